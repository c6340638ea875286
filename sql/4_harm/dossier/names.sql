-- Dossier: best names of the nominals drawn on network ${network_id}'s link chart
-- (members and the people on its paths to organised crime groups).
WITH drawn AS (
    SELECT nominal_id FROM net.network_member WHERE network_id = ${network_id}
    UNION
    SELECT network_nominal_id FROM harm.soc_link_path WHERE network_id = ${network_id}
    UNION
    SELECT via_nominal_id FROM harm.soc_link_path WHERE network_id = ${network_id} AND via_nominal_id IS NOT NULL
    UNION
    SELECT ocg_nominal_id FROM harm.soc_link_path WHERE network_id = ${network_id}
)
SELECT d.nominal_id, n.surname, n.forenames
FROM drawn AS d
LEFT JOIN er.nominal AS n ON n.nominal_id = d.nominal_id
ORDER BY d.nominal_id;
