-- Links between CSE networks: edges joining members of two networks directly,
-- and brokers (nominals in no network) linked to members of both. weight sums
-- the direct edges and, per broker, the weaker of its two links.
CREATE OR REPLACE TABLE net.network_link AS
WITH
pair AS (
    SELECT nominal_id_a, nominal_id_b, sum(weight) AS weight
    FROM net.edge GROUP BY nominal_id_a, nominal_id_b
),
end_point AS (
    SELECT nominal_id_a AS nominal_id, nominal_id_b AS other_id, weight FROM pair
    UNION ALL
    SELECT nominal_id_b, nominal_id_a, weight FROM pair
),
direct AS (
    SELECT ma.network_id AS network_id_a, mb.network_id AS network_id_b,
           p.nominal_id_a AS broker_a, p.nominal_id_b AS broker_b, p.weight
    FROM pair AS p
    JOIN net.network_member AS ma ON ma.nominal_id = p.nominal_id_a
    JOIN net.network_member AS mb ON mb.nominal_id = p.nominal_id_b
    WHERE ma.network_id <> mb.network_id
),
direct_ordered AS (
    SELECT least(network_id_a, network_id_b) AS network_id_a,
           greatest(network_id_a, network_id_b) AS network_id_b,
           broker_a, broker_b, weight
    FROM direct
),
broker_to_network AS (
    -- an outsider's strongest link into each network it touches
    SELECT e.nominal_id AS broker_id, m.network_id, max(e.weight) AS weight
    FROM end_point AS e
    JOIN net.network_member AS m ON m.nominal_id = e.other_id
    WHERE NOT EXISTS (SELECT 1 FROM net.network_member AS x WHERE x.nominal_id = e.nominal_id)
    GROUP BY e.nominal_id, m.network_id
),
via_broker AS (
    SELECT a.network_id AS network_id_a, b.network_id AS network_id_b, a.broker_id,
           least(a.weight, b.weight) AS weight
    FROM broker_to_network AS a
    JOIN broker_to_network AS b ON b.broker_id = a.broker_id AND a.network_id < b.network_id
),
broker AS (
    SELECT network_id_a, network_id_b, broker_a AS broker_id FROM direct_ordered
    UNION
    SELECT network_id_a, network_id_b, broker_b FROM direct_ordered
    UNION
    SELECT network_id_a, network_id_b, broker_id FROM via_broker
),
direct_total AS (
    SELECT network_id_a, network_id_b, count(*) AS n_edges, sum(weight) AS weight
    FROM direct_ordered GROUP BY network_id_a, network_id_b
),
broker_total AS (
    SELECT network_id_a, network_id_b, count(*) AS n_outside_brokers, sum(weight) AS weight
    FROM via_broker GROUP BY network_id_a, network_id_b
),
broker_list AS (
    SELECT network_id_a, network_id_b,
           string_agg(broker_id, ',' ORDER BY broker_id) AS broker_nominal_ids,
           count(*) AS n_brokers
    FROM broker GROUP BY network_id_a, network_id_b
)
SELECT l.network_id_a, l.network_id_b,
       coalesce(d.n_edges, 0) AS n_edges,
       coalesce(d.weight, 0.0) + coalesce(b.weight, 0.0) AS weight,
       l.broker_nominal_ids,
       l.n_brokers,
       coalesce(b.n_outside_brokers, 0) AS n_outside_brokers
FROM broker_list AS l
LEFT JOIN direct_total AS d ON d.network_id_a = l.network_id_a AND d.network_id_b = l.network_id_b
LEFT JOIN broker_total AS b ON b.network_id_a = l.network_id_a AND b.network_id_b = l.network_id_b
ORDER BY l.network_id_a, l.network_id_b;
