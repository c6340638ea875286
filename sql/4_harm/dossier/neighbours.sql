-- Dossier: the networks ranked just above and below rank ${priority_rank}.
SELECT priority_rank, network_id, priority_score
FROM harm.network_priority
WHERE priority_rank IN (${priority_rank} - 1, ${priority_rank} + 1)
ORDER BY priority_rank;
