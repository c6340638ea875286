-- Expression: a coded value kept only when it is one of the allowed codes (NULL otherwise).
CASE WHEN ${code} IN ${allowed} THEN ${code} END
