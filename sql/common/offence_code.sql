-- Expression: an offence code as every stage compares it, defined once here and
-- rendered for one column by harm/weights.py:offence_code_sql (harm/weights.py:
-- normalise_code does the same in Python). Spaces removed, upper case, leading
-- zeros dropped so a force's zero-padded codes match the reference (019E -> 19E,
-- 008/67 -> 8/67); a code of zeros only is kept as delivered; blank is NULL.
-- regexp_replace with 'g' replaces every match in DuckDB (Spark's replaces every
-- match by default and takes no flag argument).
nullif(
    CASE
        WHEN regexp_replace(regexp_replace(upper(${column}), '\s', '', 'g'), '^0+', '') = ''
            THEN regexp_replace(upper(${column}), '\s', '', 'g')
        ELSE regexp_replace(regexp_replace(upper(${column}), '\s', '', 'g'), '^0+', '')
    END,
    ''
)
