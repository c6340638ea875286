-- Dossier: network ${network_id}'s priority and harm facts, with the number of networks ranked.
SELECT p.priority_rank, p.priority_score, h.*, (SELECT count(*) FROM harm.network_priority) AS n_networks
FROM harm.network_priority AS p
JOIN harm.network_harm AS h ON h.network_id = p.network_id
WHERE p.network_id = ${network_id};
