-- Check net/edge:edge_weights_positive_finite: every weight is positive and finite.
SELECT 'bad_weights' AS rule, count(*) AS n
FROM net.edge
WHERE weight IS NULL OR NOT isfinite(weight) OR weight <= 0
