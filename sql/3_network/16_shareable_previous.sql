-- The shareable picture's prev.* (csenet_dagster/network/shareable.py), after 0_previous/01_empty.sql:
-- no previous run (prev.run empty: no changes listed, no previous rank; the published
-- file holds no shareable state to compare with), but this run's full networks of ${work}
-- to inherit ids from, and a watermark above every network id issued, this run's included.
CREATE OR REPLACE TABLE prev.network_member AS
SELECT DISTINCT network_id, nominal_id FROM ${work}.net.network_member ORDER BY network_id, nominal_id;
CREATE OR REPLACE TABLE prev.id_watermark AS
SELECT w.kind, greatest(w.max_issued, coalesce(n.max_issued, 0)) AS max_issued
FROM ${work}.prev.id_watermark AS w
LEFT JOIN (SELECT ${network_kind} AS kind, max(${network_id_number}) AS max_issued FROM ${work}.net.network) AS n
  ON n.kind = w.kind
ORDER BY w.kind;
