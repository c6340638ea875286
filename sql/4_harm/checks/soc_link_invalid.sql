-- harm.soc_link rows with an unknown kind, a non-positive strength, an unknown
-- network, or a repeated (network, group) pair.
SELECT 'n_invalid_rows' AS rule,
    (SELECT count(*) FROM harm.soc_link
     WHERE link_kind NOT IN ('SHARED_MEMBER', 'DIRECT_LINK', 'TWO_STEP') OR strength IS NULL OR strength <= 0
        OR network_id NOT IN (SELECT network_id FROM net.network))
  + (SELECT count(*) FROM (SELECT network_id, ocg_ref FROM harm.soc_link
                           GROUP BY network_id, ocg_ref HAVING count(*) > 1) AS d) AS n
