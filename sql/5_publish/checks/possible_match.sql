-- Audit of pub.possible_match (the review queue): one row per pair, named in order,
-- every ref a published record, ranks 1..n, open pairs in the possible band, and the
-- CSE-network pairs first.
SELECT 'pair_not_ordered' AS rule, count(*) AS n_failing
FROM pub.possible_match WHERE NOT (person_ref_a < person_ref_b)
UNION ALL
SELECT 'pair_repeated', count(*)
FROM (SELECT person_ref_a, person_ref_b FROM pub.possible_match GROUP BY ALL HAVING count(*) > 1) AS repeated
UNION ALL
SELECT 'person_ref_not_in_nominal_record', count(*)
FROM pub.possible_match AS p
WHERE NOT EXISTS (SELECT 1 FROM pub.nominal_record AS r WHERE r.person_ref = p.person_ref_a)
   OR NOT EXISTS (SELECT 1 FROM pub.nominal_record AS r WHERE r.person_ref = p.person_ref_b)
UNION ALL
SELECT 'review_rank_not_1_to_n', count(*)
FROM (SELECT review_rank, row_number() OVER (ORDER BY review_rank) AS expected FROM pub.possible_match) AS ranks
WHERE review_rank <> expected
UNION ALL
SELECT 'open_pair_already_one_nominal', count(*)
FROM pub.possible_match WHERE status = 'open' AND nominal_id_a = nominal_id_b
UNION ALL
SELECT 'status_unknown', count(*)
FROM pub.possible_match
WHERE status NOT IN ('open', 'decided') OR (status = 'decided') <> (decision IS NOT NULL)
UNION ALL
SELECT 'network_pair_after_other_pair', count(*)
FROM pub.possible_match AS p
WHERE NOT p.touches_cse_network
  AND p.review_rank < (SELECT coalesce(max(review_rank), 0) FROM pub.possible_match WHERE touches_cse_network);
