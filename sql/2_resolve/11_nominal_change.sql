-- What happened to each nominal since the previous published run:
-- new (no record was in a published nominal), kept (the one previous nominal it
-- continues went wholly into it), merged (records from several previous
-- nominals), split (the previous nominal's records now lie in several nominals).
CREATE OR REPLACE TABLE er.nominal_change AS
WITH overlap AS (
    SELECT cur.nominal_id, prev.nominal_id AS previous_nominal_id, count(*) AS n_shared
    FROM er.nominal_record AS cur
    JOIN prev.nominal_record AS prev ON prev.person_ref = cur.person_ref
    GROUP BY cur.nominal_id, prev.nominal_id
),
previous_spread AS (
    -- into how many current nominals each previous nominal's surviving records went
    SELECT previous_nominal_id, count(*) AS n_current
    FROM overlap GROUP BY previous_nominal_id
),
per_nominal AS (
    SELECT o.nominal_id,
           count(*) AS n_previous,
           max(s.n_current) AS max_spread,
           string_agg(o.previous_nominal_id, ',' ORDER BY o.previous_nominal_id) AS previous_nominal_ids,
           sum(o.n_shared) AS n_records_previously_published
    FROM overlap AS o JOIN previous_spread AS s ON s.previous_nominal_id = o.previous_nominal_id
    GROUP BY o.nominal_id
),
size AS (
    SELECT nominal_id, count(*) AS n_records FROM er.nominal_record GROUP BY nominal_id
)
SELECT
    z.nominal_id,
    CASE
        WHEN p.nominal_id IS NULL THEN 'new'
        WHEN p.n_previous > 1 THEN 'merged'
        WHEN p.max_spread > 1 THEN 'split'
        ELSE 'kept'
    END AS change,
    p.previous_nominal_ids,
    z.n_records,
    coalesce(p.n_records_previously_published, 0) AS n_records_previously_published
FROM size AS z
LEFT JOIN per_nominal AS p ON p.nominal_id = z.nominal_id
ORDER BY z.nominal_id;
