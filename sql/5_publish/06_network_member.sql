-- analyst.network_member: one row per nominal in a CSE network, with centrality.
CREATE OR REPLACE TABLE pub.network_member AS
SELECT *
FROM net.network_member
ORDER BY network_id, nominal_id;
