-- The trained linkage model as a table (registered as match_weight_levels): for
-- every comparison level, how often true matches (m) and non-matches (u) show
-- it and the resulting match weight in bits. Explains every score in er.match_pair:
-- a pair's match_weight is log2 of the reference prior odds (reference_prior, the
-- delivery's own prior probability_two_random_records_match, rescaled only when
-- ResolveSettings.reference_records is set) plus the weights of its levels (term-frequency
-- adjusted where the level says so).
CREATE OR REPLACE TABLE er.match_weight AS
SELECT comparison, level_order, level, m_probability, u_probability,
       CASE WHEN m_probability > 0 AND u_probability > 0
            THEN round(log2(m_probability / u_probability), 4) END AS match_weight,
       probability_two_random_records_match,
       reference_prior
FROM match_weight_levels
ORDER BY comparison, level_order;
