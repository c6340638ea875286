-- Expression: TRUE when the text is a UK phone number in any common format
-- (07700 900123, +44 7700 900123, (0121) 496 0123): only digits, spaces and
-- + ( ) - . and the digits one of the shapes resolve standardises.
regexp_full_match(trim(${column}), '[0-9 +().-]+')
AND (
    (regexp_replace(${column}, '[^0-9]', '', 'g') LIKE '0044%' AND length(regexp_replace(${column}, '[^0-9]', '', 'g')) = 14)
    OR (regexp_replace(${column}, '[^0-9]', '', 'g') LIKE '440%' AND length(regexp_replace(${column}, '[^0-9]', '', 'g')) = 13)
    OR (regexp_replace(${column}, '[^0-9]', '', 'g') LIKE '44%' AND length(regexp_replace(${column}, '[^0-9]', '', 'g')) = 12)
    OR (regexp_replace(${column}, '[^0-9]', '', 'g') LIKE '0%' AND length(regexp_replace(${column}, '[^0-9]', '', 'g')) = 11)
    OR (regexp_replace(${column}, '[^0-9]', '', 'g') NOT LIKE '0%' AND length(regexp_replace(${column}, '[^0-9]', '', 'g')) = 10)
)
