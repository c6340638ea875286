-- analyst.id_watermark: the highest id number ever issued per kind of id
-- (formats and kinds from csenet_dagster/ids.py), carried from run to run
-- in the published file so an id is never issued again, even after the nominal
-- or network holding it has vanished: the largest of the previous run's mark
-- (prev.id_watermark) and the ids this run publishes.
CREATE OR REPLACE TABLE pub.id_watermark AS
WITH issued AS (
    SELECT ${nominal_kind} AS kind, ${nominal_id_number} AS max_issued FROM er.nominal_record
    UNION ALL
    SELECT ${network_kind}, ${network_id_number} FROM net.network
    UNION ALL
    SELECT kind, max_issued FROM prev.id_watermark
    UNION ALL
    SELECT kind, 0 FROM (VALUES (${nominal_kind}), (${network_kind})) AS k (kind)
)
SELECT kind, max(max_issued) AS max_issued
FROM issued
GROUP BY kind
ORDER BY kind;
