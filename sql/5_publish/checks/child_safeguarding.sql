-- Audit of pub.child_safeguarding: one row per child, ranks exactly 1..n.
SELECT 'nominal_id_repeated' AS rule, count(*) AS n_failing
FROM (SELECT nominal_id FROM pub.child_safeguarding GROUP BY nominal_id HAVING count(*) > 1) AS repeated
UNION ALL
SELECT 'safeguarding_rank_out_of_range', count(*)
FROM pub.child_safeguarding
WHERE safeguarding_rank IS NULL OR safeguarding_rank < 1
   OR safeguarding_rank > (SELECT count(*) FROM pub.child_safeguarding)
UNION ALL
SELECT 'safeguarding_rank_repeated', count(*)
FROM (SELECT safeguarding_rank FROM pub.child_safeguarding GROUP BY safeguarding_rank HAVING count(*) > 1) AS repeated;
