-- Dossier: the evidence for the links between members of network ${network_id},
-- with its grading, outcome and each end's role (from the picture the dossier is
-- written from: the shareable one holds no handling-code-C intelligence).
WITH member AS (
    SELECT nominal_id FROM net.network_member WHERE network_id = ${network_id}
)
SELECT
    v.event_date,
    v.link_type,
    v.nominal_id_a,
    v.nominal_id_b,
    v.source_file,
    v.source_ref,
    v.detail,
    v.source_eval,
    v.intel_eval,
    v.handling,
    v.outcome,
    v.role_a,
    v.role_b
FROM net.edge_evidence AS v
WHERE v.nominal_id_a IN (SELECT nominal_id FROM member)
  AND v.nominal_id_b IN (SELECT nominal_id FROM member)
ORDER BY v.event_date NULLS LAST, v.link_type, v.nominal_id_a, v.nominal_id_b, v.source_file, v.source_ref;
