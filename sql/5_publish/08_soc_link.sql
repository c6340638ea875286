-- analyst.soc_link: CSE networks linked to organised crime groups.
CREATE OR REPLACE TABLE pub.soc_link AS
SELECT *
FROM harm.soc_link
ORDER BY network_id, ocg_ref, link_kind;
