-- analyst.network_member: one row per nominal in a CSE network, with centrality
-- within the network and, as graph_*, in the whole graph (key-player analysis
-- needs both: a member central inside a network may also bridge to others).
CREATE OR REPLACE TABLE pub.network_member AS
SELECT
    m.*,
    c.component_size AS graph_component_size,
    c.degree AS graph_degree,
    c.weighted_degree AS graph_weighted_degree,
    c.betweenness AS graph_betweenness,
    c.betweenness_method AS graph_betweenness_method,
    c.pagerank AS graph_pagerank,
    c."constraint" AS graph_constraint,
    c.brokerage AS graph_brokerage
FROM net.network_member AS m
LEFT JOIN net.centrality AS c ON c.nominal_id = m.nominal_id
ORDER BY m.network_id, m.nominal_id;
