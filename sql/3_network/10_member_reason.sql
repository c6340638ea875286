-- Why each person is in a network, and the role that follows (docs/network.md, "Roles").
--
-- net.person_of_concern: adults (not known to be children at the time) whom at
-- least ${person_of_concern_min_children} different missing children were found with, or at
-- whose address they were found, on separate episodes. Children of one household
-- (a shared address between them) count once, so a grandmother who takes in two
-- grandchildren is not flagged. A flag for review, never a role.
CREATE OR REPLACE TABLE net.person_of_concern AS
WITH found AS (
    SELECT DISTINCT f.nominal_id, m.nominal_id AS child_id, m.episode_ref, m.event_date
    FROM net.missing_party AS m
    JOIN net.missing_party AS f
      ON f.episode_ref = m.episode_ref AND f.role IN ('FOUND_WITH', 'ADDRESS_OCCUPIER') AND f.nominal_id <> m.nominal_id
    LEFT JOIN er.nominal AS n ON n.nominal_id = f.nominal_id
    WHERE m.role = 'MISSING' AND m.is_child
      AND NOT (n.dob IS NOT NULL AND m.event_date < n.dob + INTERVAL (${child_max_age}) YEAR)
),
counted AS (
    -- one child per household: a child sharing an address with a lower-id child found with the same adult is not counted
    SELECT DISTINCT x.nominal_id, x.child_id
    FROM found AS x
    WHERE NOT EXISTS (
        SELECT 1 FROM found AS y
        JOIN net.edge AS e ON e.link_type = 'SHARED_ADDRESS' AND e.nominal_id_a = y.child_id AND e.nominal_id_b = x.child_id
        WHERE y.nominal_id = x.nominal_id)
),
per_adult AS (
    SELECT f.nominal_id,
           count(DISTINCT f.child_id) AS n_children,
           count(DISTINCT f.episode_ref) AS n_episodes,
           min(f.event_date) AS first_seen,
           max(f.event_date) AS last_seen,
           string_agg(DISTINCT f.episode_ref, ',' ORDER BY f.episode_ref) AS episode_refs
    FROM found AS f
    GROUP BY f.nominal_id
),
households AS (
    SELECT nominal_id, count(*) AS n_households FROM counted GROUP BY nominal_id
)
SELECT p.nominal_id, p.n_children, h.n_households AS n_unrelated_children, p.n_episodes,
       p.first_seen, p.last_seen, p.episode_refs,
       'at least ' || CAST(${person_of_concern_min_children} AS VARCHAR)
           || ' children of different households found with them on separate episodes' AS rule
FROM per_adult AS p
JOIN households AS h ON h.nominal_id = p.nominal_id
WHERE h.n_households >= ${person_of_concern_min_children} AND p.n_episodes >= ${person_of_concern_min_children}
ORDER BY p.nominal_id;

-- net.member_reason: one row per network, member and reason, with the
-- evidence refs and dates. admits = the reason can put the person in the
-- network; context reasons (admits = false) are shown to the analyst but never
-- make anyone a member or change a role. reason_role is the role the reason
-- supports (null for context).
CREATE OR REPLACE TABLE net.member_reason AS
WITH
member AS (SELECT DISTINCT network_id, nominal_id FROM net.network_member_graph),
seed_reason AS (
    SELECT m.network_id, m.nominal_id, s.reason, s.seed_role AS reason_role, TRUE AS admits,
           s.n_sources, s.source_refs, CAST(NULL AS VARCHAR) AS linked_nominal_ids, s.first_seen, s.last_seen
    FROM member AS m
    JOIN net.cse_seed AS s ON s.nominal_id = m.nominal_id
),
link_reason AS (
    SELECT m.network_id, m.nominal_id, a.reason, a.admits_as AS reason_role, bool_or(a.admits) AS admits,
           count(DISTINCT a.source_ref) AS n_sources,
           string_agg(DISTINCT a.source_ref, ',' ORDER BY a.source_ref) AS source_refs,
           string_agg(DISTINCT a.seed_nominal_id, ',' ORDER BY a.seed_nominal_id) AS linked_nominal_ids,
           min(a.event_date) AS first_seen, max(a.event_date) AS last_seen
    FROM member AS m
    JOIN net.admission_link AS a ON a.nominal_id = m.nominal_id
    -- the seed it is linked to is in the same network
    JOIN member AS s ON s.nominal_id = a.seed_nominal_id AND s.network_id = m.network_id
    GROUP BY m.network_id, m.nominal_id, a.reason, a.admits_as
),
ocg_reason AS (
    SELECT m.network_id, m.nominal_id, 'OCG_MEMBER' AS reason, CAST(NULL AS VARCHAR) AS reason_role, FALSE AS admits,
           count(DISTINCT o.ocg_ref) AS n_sources,
           string_agg(DISTINCT o.ocg_ref, ',' ORDER BY o.ocg_ref) AS source_refs,
           CAST(NULL AS VARCHAR), min(o.mapped_date), max(o.mapped_date)
    FROM member AS m
    JOIN er.nominal_record AS nr ON nr.nominal_id = m.nominal_id
    JOIN raw.ocg_member AS o ON o.person_ref = nr.person_ref
    GROUP BY m.network_id, m.nominal_id
),
concern_reason AS (
    SELECT m.network_id, m.nominal_id, 'PERSON_OF_CONCERN', CAST(NULL AS VARCHAR), FALSE,
           p.n_episodes, p.episode_refs, CAST(NULL AS VARCHAR), p.first_seen, p.last_seen
    FROM member AS m
    JOIN net.person_of_concern AS p ON p.nominal_id = m.nominal_id
)
SELECT * FROM seed_reason
UNION ALL SELECT * FROM link_reason
UNION ALL SELECT * FROM ocg_reason
UNION ALL SELECT * FROM concern_reason
ORDER BY network_id, nominal_id, reason;

-- net.network_member: the delineated members (net.network_member_graph, written
-- by delineate.py with centrality) with member_role derived from the admitting
-- reasons: OFFENDER > SUSPECT > VICTIM > CHILD_AT_RISK > ASSOCIATE.
CREATE OR REPLACE TABLE net.network_member AS
WITH derived AS (
    SELECT network_id, nominal_id,
           CASE WHEN bool_or(admits AND reason_role = 'OFFENDER') THEN 'OFFENDER'
                WHEN bool_or(admits AND reason_role = 'SUSPECT') THEN 'SUSPECT'
                WHEN bool_or(admits AND reason_role = 'VICTIM') THEN 'VICTIM'
                WHEN bool_or(admits AND reason_role = 'CHILD_AT_RISK') THEN 'CHILD_AT_RISK'
                ELSE 'ASSOCIATE' END AS member_role,
           string_agg(reason, ',' ORDER BY reason) FILTER (WHERE admits) AS member_reasons,
           bool_or(reason = 'PERSON_OF_CONCERN') AS is_person_of_concern
    FROM net.member_reason
    GROUP BY network_id, nominal_id
)
SELECT m.network_id, m.nominal_id,
       coalesce(d.member_role, 'ASSOCIATE') AS member_role,
       d.member_reasons,
       coalesce(d.is_person_of_concern, FALSE) AS is_person_of_concern,
       coalesce(d.member_role IN ('OFFENDER', 'SUSPECT'), FALSE) AS is_evidenced_offender,
       m.split_by_leiden, m.degree, m.weighted_degree, m.betweenness, m.pagerank, m.eigenvector, m.brokerage,
       m.offender_degree, m.offender_weighted_degree, m.offender_betweenness, m.offender_pagerank,
       m.offender_eigenvector
FROM net.network_member_graph AS m
LEFT JOIN derived AS d ON d.network_id = m.network_id AND d.nominal_id = m.nominal_id
ORDER BY m.network_id, m.nominal_id;
