-- Expression: TRUE when the text is a UK postcode in any case and spacing (the
-- shape resolve standardises: outward code, optional spaces, inward code).
regexp_full_match(upper(trim(${column})), '[A-Z]{1,2}[0-9][A-Z0-9]? *[0-9][A-Z]{2}|GIR *0AA')
