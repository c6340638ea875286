-- Dossier: network ${network_id}'s links to organised crime groups, strongest first,
-- and the OCG members its paths reach (drawn as OCG members on the chart).
SELECT ocg_ref, link_kind, strength, ocgm_band, ocg_status, via_nominal_ids
FROM harm.soc_link
WHERE network_id = ${network_id}
ORDER BY strength DESC, ocg_ref;
