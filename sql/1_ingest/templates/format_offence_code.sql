-- Expression: TRUE when the text has the shape of a Home Office offence code
-- (19E, 8L, 105A, 4.1, 008L, 8/67 class/sub-class): digits first, no spaces. The shape is
-- harm's, passed in (reference_files.CODE_SHAPE): a name or a date typed into the column is
-- listed in raw.field_issue, and harm weighs it by default without ever naming it.
regexp_full_match(upper(trim(${column})), ${code_shape})
