-- Expression: a Y/N marker as BOOLEAN, true only for Y.
COALESCE(${code} = 'Y', FALSE)
