-- Check net/edge:edge_no_excluded_intelligence: no evidence from intelligence outside the
-- credibility rule (source 3 and assessments D/E never link), none from an unknown log,
-- and handling code C never marked shareable.
SELECT 'evidence_from_excluded_intel' AS rule, count(*) AS n
FROM net.edge_evidence AS v
JOIN raw.intel_log AS il ON il.intel_ref = v.source_ref
WHERE v.source_file = 'intel'
  AND (il.source_eval IN ${forbidden_source_evals}
       OR il.intel_eval IN ${forbidden_intel_evals}
       OR il.source_eval NOT IN ${intel_source_evals}
       OR il.intel_eval NOT IN ${intel_evals})
UNION ALL
SELECT 'evidence_from_unknown_log', count(*)
FROM net.edge_evidence AS v
WHERE v.source_file = 'intel'
  AND NOT EXISTS (SELECT 1 FROM raw.intel_log AS il WHERE il.intel_ref = v.source_ref)
UNION ALL
SELECT 'handling_c_marked_shareable', count(*)
FROM net.edge_evidence AS v
JOIN raw.intel_log AS il ON il.intel_ref = v.source_ref
WHERE v.source_file = 'intel' AND il.handling = 'C' AND v.shareable
