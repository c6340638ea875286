-- Expression: a free-typed field kept as delivered when its shape is valid, NULL otherwise
-- (the blanked field is recorded in raw.field_issue by templates/field_invalid_format.sql).
CASE WHEN ${valid} THEN ${column} END
