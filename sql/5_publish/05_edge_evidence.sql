-- analyst.edge_evidence: every event behind an edge (source file and reference).
CREATE OR REPLACE TABLE pub.edge_evidence AS
SELECT *
FROM net.edge_evidence
ORDER BY nominal_id_a, nominal_id_b, link_type, event_date, source_file, source_ref;
