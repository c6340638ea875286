-- Dossier: why each member of network ${network_id} is there (net.member_reason),
-- admitting reasons first; is_handling_c marks refs of handling-code-C logs,
-- which harm/dossier.py withholds unless the setting allows.
SELECT r.nominal_id, r.reason, r.admits, r.source_refs,
       (SELECT string_agg(il.intel_ref, ',' ORDER BY il.intel_ref)
        FROM raw.intel_log AS il
        WHERE il.handling = 'C'
          AND strpos(',' || r.source_refs || ',', ',' || il.intel_ref || ',') > 0) AS handling_c_refs
FROM net.member_reason AS r
WHERE r.network_id = ${network_id}
ORDER BY r.nominal_id, NOT r.admits, r.reason;
