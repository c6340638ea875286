-- Expression: a delivered date as DATE. The contract allows YYYY-MM-DD and
-- DD/MM/YYYY; anything else (other shapes, impossible dates) is NULL, as is blank.
-- (Spark: try_to_timestamp(x, 'yyyy-MM-dd') / 'dd/MM/yyyy'.)
CASE
    WHEN trim(${column}) LIKE '____-__-__' THEN CAST(try_strptime(trim(${column}), '%Y-%m-%d') AS DATE)
    WHEN trim(${column}) LIKE '__/__/____' THEN CAST(try_strptime(trim(${column}), '%d/%m/%Y') AS DATE)
END
