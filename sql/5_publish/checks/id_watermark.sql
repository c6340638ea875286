-- Audit of pub.id_watermark: one mark per kind, never below an id published now
-- nor below the previous run's mark.
SELECT 'kind_not_once' AS rule, count(*) AS n_failing
FROM (SELECT k.kind FROM (VALUES (${nominal_kind}), (${network_kind})) AS k (kind)
      LEFT JOIN pub.id_watermark AS w ON w.kind = k.kind
      GROUP BY k.kind HAVING count(w.kind) <> 1) AS bad
UNION ALL
SELECT 'below_published_nominal_id', count(*)
FROM pub.id_watermark AS w
WHERE w.kind = ${nominal_kind}
  AND w.max_issued < (SELECT coalesce(max(${nominal_id_number}), 0) FROM pub.nominal)
UNION ALL
SELECT 'below_published_network_id', count(*)
FROM pub.id_watermark AS w
WHERE w.kind = ${network_kind}
  AND w.max_issued < (SELECT coalesce(max(${network_id_number}), 0) FROM pub.network)
UNION ALL
SELECT 'below_previous_mark', count(*)
FROM pub.id_watermark AS w
JOIN prev.id_watermark AS p ON p.kind = w.kind
WHERE w.max_issued < p.max_issued;
