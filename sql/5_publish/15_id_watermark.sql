-- analyst.id_watermark: the highest id number ever issued per kind of id
-- ('nominal': N + 8 digits, 'network': CSE + 5 digits), carried from run to run
-- in the published file so an id is never issued again, even after the nominal
-- or network holding it has vanished: the largest of the previous run's mark
-- (er.previous_id_watermark) and the ids this run publishes.
CREATE OR REPLACE TABLE pub.id_watermark AS
WITH issued AS (
    SELECT 'nominal' AS kind, CAST(substr(nominal_id, 2) AS BIGINT) AS max_issued FROM er.nominal_record
    UNION ALL
    SELECT 'network', CAST(substr(network_id, 4) AS BIGINT) FROM net.network
    UNION ALL
    SELECT kind, max_issued FROM er.previous_id_watermark
    UNION ALL
    SELECT kind, 0 FROM (VALUES ('nominal'), ('network')) AS k (kind)
)
SELECT kind, max(max_issued) AS max_issued
FROM issued
GROUP BY kind
ORDER BY kind;
