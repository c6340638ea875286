-- Expression: a coded value as compared and kept (case and surrounding spaces ignored; blank is NULL).
NULLIF(upper(trim(${column})), '')
