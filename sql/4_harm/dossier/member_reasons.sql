-- Dossier: why each member of network ${network_id} is there (net.member_reason),
-- admitting reasons first. The dossier is written from the shareable picture
-- (csenet_dagster/network/shareable.py) unless the setting includes handling-code-C
-- intelligence, so no ref here needs withholding.
SELECT r.nominal_id, r.reason, r.admits, r.source_refs
FROM net.member_reason AS r
WHERE r.network_id = ${network_id}
ORDER BY r.nominal_id, NOT r.admits, r.reason;
