-- Analysts' link corrections (links.csv, registered as link_correction_csv and
-- already validated), audited: applied = the correction removed at least one
-- candidate edge in this run. A blank link_type removes every type.
CREATE OR REPLACE TABLE net.link_correction AS
WITH correction AS (
    SELECT row_no,
           least(nominal_id_a, nominal_id_b) AS nominal_id_a,
           greatest(nominal_id_a, nominal_id_b) AS nominal_id_b,
           nullif(upper(trim(link_type)), '') AS link_type,
           analyst, decided_at, reason
    FROM link_correction_csv
),
matched AS (
    SELECT c.row_no, count(DISTINCT e.link_type) AS n_link_types, count(*) AS n_evidence
    FROM correction AS c
    JOIN net.edge_evidence_candidate AS e
      ON e.nominal_id_a = c.nominal_id_a AND e.nominal_id_b = c.nominal_id_b
     AND (c.link_type IS NULL OR e.link_type = c.link_type)
    GROUP BY c.row_no
)
SELECT c.row_no, c.nominal_id_a, c.nominal_id_b, c.link_type, c.analyst, c.decided_at, c.reason,
       m.row_no IS NOT NULL AS applied,
       coalesce(m.n_link_types, 0) AS n_edges_removed,
       coalesce(m.n_evidence, 0) AS n_evidence_removed
FROM correction AS c
LEFT JOIN matched AS m ON m.row_no = c.row_no
ORDER BY c.row_no;

-- The evidence that stands after corrections.
CREATE OR REPLACE TABLE net.edge_evidence AS
SELECT e.*
FROM net.edge_evidence_candidate AS e
WHERE NOT EXISTS (
    SELECT 1 FROM net.link_correction AS c
    WHERE c.nominal_id_a = e.nominal_id_a AND c.nominal_id_b = e.nominal_id_b
      AND (c.link_type IS NULL OR c.link_type = e.link_type)
)
ORDER BY nominal_id_a, nominal_id_b, link_type, source_file, source_ref;
