-- What the graph exports (GraphML, i2 Analyst's Notebook) carry, per network.
-- Exports are written from the shareable picture (csenet_dagster/network/shareable.py: this
-- SQL and the network stage's run over the delivery without handling-code-C
-- intelligence and the person records known only from it), so every table read
-- here already leaves C out: members, edges, weights, dates, counts, refs and
-- shared-attribute holders. With network.export_conditional_intel they are
-- written from the full picture instead.

-- Exportable edges, one per pair and link type.
CREATE OR REPLACE TABLE net.export_edge AS
SELECT nominal_id_a, nominal_id_b, link_type, weight, first_seen, last_seen, n_events, source_refs
FROM net.edge
ORDER BY nominal_id_a, nominal_id_b, link_type;

-- Each network's export: its members and their direct neighbours over
-- exportable edges (the neighbourhood an analyst needs, never the whole graph,
-- which also keeps export time flat as deliveries grow).
CREATE OR REPLACE TABLE net.export_scope AS
WITH member AS (
    SELECT network_id, nominal_id, member_role FROM net.network_member
),
touching AS (
    SELECT m.network_id, e.nominal_id_b AS nominal_id
    FROM member AS m JOIN net.export_edge AS e ON e.nominal_id_a = m.nominal_id
    UNION
    SELECT m.network_id, e.nominal_id_a
    FROM member AS m JOIN net.export_edge AS e ON e.nominal_id_b = m.nominal_id
)
SELECT network_id, nominal_id, member_role AS role, TRUE AS in_network FROM member
UNION ALL
SELECT t.network_id, t.nominal_id, 'NEIGHBOUR', FALSE
FROM touching AS t
WHERE NOT EXISTS (SELECT 1 FROM member AS m WHERE m.network_id = t.network_id AND m.nominal_id = t.nominal_id)
ORDER BY 1, 2;

-- Each network's exported edges: at least one end a member, the other in its scope.
CREATE OR REPLACE TABLE net.export_network_edge AS
SELECT sa.network_id, e.*
FROM net.export_edge AS e
JOIN net.export_scope AS sa ON sa.nominal_id = e.nominal_id_a
JOIN net.export_scope AS sb ON sb.nominal_id = e.nominal_id_b AND sb.network_id = sa.network_id
WHERE sa.in_network OR sb.in_network
ORDER BY sa.network_id, e.nominal_id_a, e.nominal_id_b, e.link_type;

-- Nominals of each network's export, with degree and weighted degree counted
-- over that export's edges only (whole-graph centrality is not computed for
-- the shareable picture, so it is not exported).
CREATE OR REPLACE TABLE net.export_node AS
WITH ends AS (
    SELECT network_id, nominal_id_a AS nominal_id, weight FROM net.export_network_edge
    UNION ALL
    SELECT network_id, nominal_id_b, weight FROM net.export_network_edge
),
degree AS (
    SELECT network_id, nominal_id, count(*) AS degree, sum(weight) AS weighted_degree
    FROM ends GROUP BY network_id, nominal_id
)
SELECT s.network_id, s.nominal_id, s.role, s.in_network, n.is_cse_seed,
       coalesce(d.degree, 0) AS degree, coalesce(d.weighted_degree, 0.0) AS weighted_degree,
       en.surname, en.forenames
FROM net.export_scope AS s
JOIN net.node AS n ON n.nominal_id = s.nominal_id
LEFT JOIN degree AS d ON d.network_id = s.network_id AND d.nominal_id = s.nominal_id
LEFT JOIN er.nominal AS en ON en.nominal_id = s.nominal_id
ORDER BY s.network_id, s.nominal_id;

-- The events behind each exported edge (one i2 link each, dated and graded for
-- theme lines).
CREATE OR REPLACE TABLE net.export_evidence AS
SELECT ne.network_id, v.nominal_id_a, v.nominal_id_b, v.link_type, v.source_file, v.source_ref,
       v.event_date, v.source_eval, v.intel_eval, v.handling, v.outcome, v.role_a, v.role_b,
       ne.weight AS edge_weight, ne.n_events AS edge_n_events, ne.first_seen, ne.last_seen
FROM net.export_network_edge AS ne
JOIN net.edge_evidence AS v
  ON v.nominal_id_a = ne.nominal_id_a AND v.nominal_id_b = ne.nominal_id_b AND v.link_type = ne.link_type
ORDER BY ne.network_id, v.nominal_id_a, v.nominal_id_b, v.link_type, v.source_file, v.source_ref;

-- Organised crime groups of exported people (the force's OCG mapping), one row
-- per network, group and person.
CREATE OR REPLACE TABLE net.export_ocg_member AS
SELECT s.network_id, o.ocg_ref, min(o.ocg_name) AS ocg_name, min(o.ocgm_band) AS ocgm_band,
       min(o.ocg_status) AS ocg_status, s.nominal_id, min(o.member_role) AS member_role,
       max(o.mapped_date) AS mapped_date
FROM net.export_scope AS s
JOIN er.nominal_record AS nr ON nr.nominal_id = s.nominal_id
JOIN raw.ocg_member AS o ON o.person_ref = nr.person_ref
WHERE o.ocg_ref IS NOT NULL
GROUP BY s.network_id, o.ocg_ref, s.nominal_id
ORDER BY s.network_id, o.ocg_ref, s.nominal_id;

-- Vehicles, phones and addresses held by two or more people of a network's
-- export. attribute_id numbers them (per kind, over the whole export) so a
-- shared file can name them without their value.
CREATE OR REPLACE TABLE net.export_attribute AS
WITH held AS (
    SELECT s.network_id, h.link_type, h.attribute, h.nominal_id, h.roles, h.seen_date,
           count(*) OVER (PARTITION BY s.network_id, h.link_type, h.attribute) AS n_exported_holders
    FROM net.export_scope AS s
    JOIN net.shared_attribute_holder AS h ON h.nominal_id = s.nominal_id
),
kept AS (SELECT * FROM held WHERE n_exported_holders >= 2)
SELECT network_id,
       CASE link_type WHEN 'SHARED_VEHICLE' THEN 'Vehicle' WHEN 'SHARED_PHONE' THEN 'Phone' ELSE 'Address' END AS entity_type,
       CASE link_type WHEN 'SHARED_VEHICLE' THEN 'VEHICLE-' WHEN 'SHARED_PHONE' THEN 'PHONE-' ELSE 'ADDRESS-' END
           || lpad(CAST(dense_rank() OVER (PARTITION BY link_type ORDER BY attribute) AS VARCHAR), 5, '0') AS attribute_id,
       attribute, nominal_id, roles, seen_date
FROM kept
ORDER BY network_id, attribute_id, nominal_id;
