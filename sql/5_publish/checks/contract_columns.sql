-- Check pub/<table>:contract_columns (blocking), run once per column the output contract and
-- docs/DESIGN.md promise for the table (publish.tables.PubTable.required_columns). Rule
-- missing_column/<column> is 1 when pub.<table> lacks that column, so a failing check names the
-- columns (never a value). information_schema is standard SQL, so the check needs no DESCRIBE; only
-- the working database's own catalog counts (not a file attached beside it).
SELECT 'missing_column/' || ${column_name} AS rule,
       CASE WHEN count(c.column_name) = 0 THEN 1 ELSE 0 END AS n
FROM information_schema.columns AS c
WHERE c.table_catalog = current_database() AND c.table_schema = 'pub' AND c.table_name = ${table_name} AND c.column_name = ${column_name}
