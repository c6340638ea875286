-- Scored candidate pairs from the linkage model (registered as match_pair_scored),
-- person_ref_l < person_ref_r. match_weight is in bits at the reference prior and
-- match_probability = 1 / (1 + 2^-match_weight), so a probability means the same
-- whatever the size of the delivery (ResolveSettings.reference_records). Kept above
-- keep_pairs_above so every join (and near miss) can be explained.
CREATE OR REPLACE TABLE er.match_pair AS
SELECT person_ref_l, person_ref_r, match_weight, match_probability
FROM match_pair_scored
ORDER BY person_ref_l, person_ref_r;
