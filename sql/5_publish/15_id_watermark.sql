-- analyst.id_watermark: the highest id number ever issued per kind of id
-- (formats and kinds from csenet_dagster/ids.py), carried from run to run
-- in the published file so an id is never issued again, even after the nominal
-- or network holding it has vanished: the previous run's mark (prev.id_watermark,
-- one row per kind, 0 on a first run) raised to the ids this run publishes,
-- and the network ids of its shareable picture (net.shareable_network_id: exports and
-- dossiers name them).
CREATE OR REPLACE TABLE pub.id_watermark AS
WITH issued_now AS (
    SELECT ${nominal_kind} AS kind, max(${nominal_id_number}) AS max_issued FROM er.nominal_record
    UNION ALL
    SELECT ${network_kind}, max(${network_id_number}) FROM net.network
    UNION ALL
    SELECT ${network_kind}, max(${network_id_number}) FROM net.shareable_network_id
),
published_now AS (
    SELECT kind, max(max_issued) AS max_issued FROM issued_now GROUP BY kind
)
SELECT w.kind, greatest(w.max_issued, coalesce(n.max_issued, 0)) AS max_issued
FROM prev.id_watermark AS w
LEFT JOIN published_now AS n ON n.kind = w.kind
ORDER BY w.kind;
