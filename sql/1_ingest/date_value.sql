-- Expression: a delivered date as DATE. The contract allows YYYY-MM-DD and
-- DD/MM/YYYY; anything else (or an impossible date) is NULL. Blank is NULL.
CASE
    WHEN trim(${column}) LIKE '____-__-__' THEN TRY_CAST(trim(${column}) AS DATE)
    WHEN trim(${column}) LIKE '__/__/____'
        THEN TRY_CAST(substr(trim(${column}), 7, 4) || '-' || substr(trim(${column}), 4, 2) || '-' || substr(trim(${column}), 1, 2) AS DATE)
END
