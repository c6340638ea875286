-- harm.explanation: what every network's and every explained nominal's priority
-- score is made of (section SCORE: the contributions add up to priority_score
-- exactly), and what changed since the previous published run (section CHANGE,
-- contribution 0): NEW_NETWORK, NEW_MEMBER, LEFT_MEMBER, NEW_LINK, NEW_CRIME.
-- Changes are listed only when a previous analyst.duckdb was found (prev.run).
CREATE OR REPLACE TABLE harm.explanation AS
WITH has_previous AS (
    SELECT count(*) > 0 AS yes FROM prev.run
),
network_score AS (
    SELECT
        'NETWORK' AS subject_kind, i.network_id AS subject_id, p.priority_rank, 'SCORE' AS section,
        i.component, i.item_kind, i.item_ref, i.item_date, i.contribution, p.priority_score, i.detail
    FROM harm.network_score_item AS i
    JOIN harm.network_priority AS p ON p.network_id = i.network_id
),
nominal_score AS (
    SELECT
        'NOMINAL', i.nominal_id, p.priority_rank, 'SCORE',
        i.component, i.item_kind, i.item_ref, i.item_date, i.contribution, p.priority_score, i.detail
    FROM harm.nominal_score_item AS i
    JOIN harm.nominal_priority AS p ON p.nominal_id = i.nominal_id
    WHERE p.is_explained
),
current_member AS (
    SELECT DISTINCT network_id, nominal_id FROM net.network_member
),
previous_network AS (
    SELECT DISTINCT network_id FROM prev.network_member
),
changes AS (
    SELECT p.network_id, 'NEW_NETWORK' AS component, 'network' AS item_kind, p.network_id AS item_ref,
           'network not in the previous published run' AS detail
    FROM harm.network_priority AS p
    WHERE NOT EXISTS (SELECT 1 FROM previous_network AS q WHERE q.network_id = p.network_id)
    UNION ALL
    SELECT m.network_id, 'NEW_MEMBER', 'nominal', m.nominal_id, 'member since the previous published run'
    FROM current_member AS m
    JOIN previous_network AS q ON q.network_id = m.network_id
    WHERE NOT EXISTS (SELECT 1 FROM prev.network_member AS pm
                      WHERE pm.network_id = m.network_id AND pm.nominal_id = m.nominal_id)
    UNION ALL
    SELECT pm.network_id, 'LEFT_MEMBER', 'nominal', pm.nominal_id, 'member in the previous published run, not now'
    FROM prev.network_member AS pm
    JOIN harm.network_priority AS p ON p.network_id = pm.network_id
    WHERE NOT EXISTS (SELECT 1 FROM current_member AS m
                      WHERE m.network_id = pm.network_id AND m.nominal_id = pm.nominal_id)
    UNION ALL
    SELECT a.network_id, 'NEW_LINK', 'edge', e.nominal_id_a || '|' || e.nominal_id_b || '|' || e.link_type,
           e.link_type || ' link between members, new since the previous published run'
    FROM net.edge AS e
    JOIN current_member AS a ON a.nominal_id = e.nominal_id_a
    JOIN current_member AS b ON b.nominal_id = e.nominal_id_b AND b.network_id = a.network_id
    JOIN previous_network AS q ON q.network_id = a.network_id
    WHERE NOT EXISTS (SELECT 1 FROM prev.edge AS pe
                      WHERE pe.nominal_id_a = e.nominal_id_a AND pe.nominal_id_b = e.nominal_id_b
                        AND pe.link_type = e.link_type)
    UNION ALL
    SELECT nc.network_id, 'NEW_CRIME', 'crime', nc.crime_ref, 'crime on the record since the previous published run'
    FROM harm.network_crime AS nc
    JOIN previous_network AS q ON q.network_id = nc.network_id
    WHERE NOT EXISTS (SELECT 1 FROM prev.network_crime AS pc
                      WHERE pc.network_id = nc.network_id AND pc.crime_ref = nc.crime_ref)
),
network_change AS (
    SELECT
        'NETWORK' AS subject_kind, c.network_id AS subject_id, p.priority_rank, 'CHANGE' AS section,
        c.component, c.item_kind, c.item_ref, CAST(NULL AS DATE) AS item_date,
        CAST(0 AS DECIMAL(18, 6)) AS contribution, p.priority_score, c.detail
    FROM changes AS c
    JOIN harm.network_priority AS p ON p.network_id = c.network_id
    CROSS JOIN has_previous AS hp
    WHERE hp.yes
),
everything AS (
    SELECT * FROM network_score
    UNION ALL SELECT * FROM nominal_score
    UNION ALL SELECT * FROM network_change
)
SELECT
    subject_kind,
    subject_id,
    priority_rank,
    section,
    component,
    item_kind,
    item_ref,
    item_date,
    CAST(contribution AS DOUBLE) AS contribution,
    CASE WHEN priority_score > 0 THEN CAST(contribution AS DOUBLE) / priority_score ELSE 0 END AS share,
    detail
FROM everything
ORDER BY subject_kind, priority_rank, section DESC, contribution DESC, component, item_ref;
