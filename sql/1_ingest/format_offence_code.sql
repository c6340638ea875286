-- Expression: TRUE when the text has the shape of a Home Office offence code
-- (19E, 8L, 105A, 195/94, 008/06): digits first, no spaces. A name or a date
-- typed into the column is not a code; it is blanked, so no later message that
-- names unknown codes can carry it.
regexp_full_match(upper(trim(${column})), '[0-9]{1,3}[A-Z]{0,3}(/[0-9]{1,3}[A-Z]?)?')
