-- Scored candidate pairs from the linkage model (registered as match_pair_scored),
-- person_ref_l < person_ref_r. match_weight is in bits at the reference prior (the
-- delivery's own prior unless ResolveSettings.reference_records is set) and
-- match_probability = 1 / (1 + 2^-match_weight). Kept above
-- keep_pairs_above so every join (and near miss) can be explained, with Splink's
-- per-comparison match weights in bits (mw_<comparison>, mw_tf_adj_<comparison>; at the
-- model's own prior, which only shifts the total) that the review queue
-- (analyst.possible_match) cites.
CREATE OR REPLACE TABLE er.match_pair AS
SELECT *
FROM match_pair_scored
ORDER BY person_ref_l, person_ref_r;
