-- Expression: TRUE when the text has the shape of a Home Office offence code
-- (19E, 8L, 105A, 4.1, 008L, 8/67 class/sub-class): digits first, no spaces. The same shape as harm's
-- (csenet_dagster/harm/weights.py CODE_SHAPE, kept equal by a test): a name or a
-- date typed into the column is listed in raw.field_issue, and harm weighs it by
-- default without ever naming it.
regexp_full_match(upper(trim(${column})), '[0-9]{1,3}([A-Z]{1,2}|\.[0-9]{1,2}|/[0-9]{1,3})?')
