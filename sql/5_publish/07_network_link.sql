-- analyst.network_link: pairs of CSE networks joined through broker nominals.
CREATE OR REPLACE TABLE pub.network_link AS
SELECT *
FROM net.network_link
ORDER BY network_id_a, network_id_b;
