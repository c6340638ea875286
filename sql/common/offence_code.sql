-- Expression: an offence code as every stage compares it, defined once here and
-- rendered for one column by reference_files.py:offence_code_sql (reference_files.py:
-- normalise_code does the same in Python). Surrounding spaces trimmed, upper
-- case, leading zeros dropped so a force's zero-padded codes match the
-- reference (019E -> 19E, 008/67 -> 8/67); a code of zeros only is kept; blank
-- is NULL. Five digits are a class and sub-class written without the slash, as
-- some crime systems print them (08805 -> 88/05). Inner spaces are kept: a value
-- that is no code stays readable for analysts in analyst.unknown_offence_code.
nullif(
    CASE
        WHEN regexp_matches(upper(trim(${column})), '^[0-9]{5}$$')  -- (doubled dollar: a literal one in these templates)
            THEN CAST(CAST(substr(trim(${column}), 1, 3) AS INTEGER) AS VARCHAR) || '/' || substr(trim(${column}), 4, 2)
        WHEN regexp_replace(upper(trim(${column})), '^0+', '') = '' THEN upper(trim(${column}))
        ELSE regexp_replace(upper(trim(${column})), '^0+', '')
    END,
    ''
)
