-- Dossier: the parts of network ${network_id}'s score and its changes (harm.explanation order).
SELECT section, component, item_kind, item_ref, item_date, contribution, share, detail
FROM harm.explanation
WHERE subject_kind = 'NETWORK' AND subject_id = ${network_id};
