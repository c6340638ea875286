-- Dossier: the OCG members network ${network_id}'s SOC paths reach.
SELECT DISTINCT ocg_nominal_id FROM harm.soc_link_path WHERE network_id = ${network_id} ORDER BY 1;
