-- Standardised person fields for linkage, one row per person_ref.
-- Names: case-folded, accents stripped (letters without a decomposition such as
-- ł, ø, ß mapped by hand), punctuation removed ("O'Brien" -> "obrien"),
-- hyphens/dots split parts ("Smith-Jones" -> parts smith, jones), initials flagged,
-- nicknames mapped to a canonical forename, Soundex as the fuzzy key, title names
-- used as surnames (Begum, Kaur, Singh) and prefix forenames (Mohammed) flagged.
-- dob: placeholders 01/01/1900 and 01/01/<year>, future dates and pre-1900 dates
-- are unknown. Postcode: valid UK shape only, sector and outward code kept separately;
-- address: only its house number and first street word (address_key).
-- Phone: UK national form 0XXXXXXXXXX. PNC id: trusted only when its check
-- character is right (check = letters[int(YY || serial7) mod 23]).
CREATE OR REPLACE TABLE er.person_std AS
WITH cleaned AS (
    SELECT
        person_ref,
        system,
        nullif(trim(regexp_replace(regexp_replace(regexp_replace(
            strip_accents(translate(lower(coalesce(surname, '')), 'łøßæđı', 'losadi')),
            '[-._/,]', ' ', 'g'), '[^a-z ]', '', 'g'), ' +', ' ', 'g')), '') AS surname_clean,
        nullif(trim(regexp_replace(regexp_replace(regexp_replace(
            strip_accents(translate(lower(coalesce(forenames, '')), 'łøßæđı', 'losadi')),
            '[-._/,]', ' ', 'g'), '[^a-z ]', '', 'g'), ' +', ' ', 'g')), '') AS forenames_clean,
        dob,
        upper(trim(sex)) AS sex_raw,
        upper(regexp_replace(coalesce(postcode, ''), '[^A-Za-z0-9]', '', 'g')) AS postcode_compact,
        -- house number and the first word of the street ("Flat 4, 28 Washwood Heath Grove"
        -- -> "28 washwood"): the part of a free-text address that survives reformatting
        nullif(regexp_extract(regexp_replace(lower(coalesce(address, '')), '[^a-z0-9]+', ' ', 'g'),
                              '([0-9]+[a-z]?) ([a-z]{3,})', 0), '') AS address_key,
        regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g') AS phone_digits,
        upper(regexp_replace(coalesce(pnc_id, ''), '\s', '', 'g')) AS pnc_compact
    FROM er.person_record
),
parts AS (
    SELECT
        *,
        string_split(surname_clean, ' ') AS surname_parts,
        string_split(forenames_clean, ' ') AS forename_parts,
        regexp_extract(pnc_compact, '^([0-9]{2}|[0-9]{4})/([0-9]{1,7})([A-Z])$$', 1) AS pnc_year,
        regexp_extract(pnc_compact, '^([0-9]{2}|[0-9]{4})/([0-9]{1,7})([A-Z])$$', 2) AS pnc_serial,
        regexp_extract(pnc_compact, '^([0-9]{2}|[0-9]{4})/([0-9]{1,7})([A-Z])$$', 3) AS pnc_check
    FROM cleaned
),
named AS (
    SELECT
        p.*,
        replace(p.surname_clean, ' ', '') AS surname_std,
        p.surname_parts[1] AS surname_first,
        p.surname_parts[len(p.surname_parts)] AS surname_last,
        p.forename_parts[1] AS forename1,
        p.forename_parts[2] AS forename2,
        coalesce(v.canonical, p.forename_parts[1]) AS forename_canonical
    FROM parts AS p
    LEFT JOIN er.name_variant AS v ON v.variant = p.forename_parts[1]
),
token AS (
    SELECT DISTINCT surname_std AS name FROM named WHERE surname_std IS NOT NULL
    UNION
    SELECT DISTINCT forename_canonical FROM named WHERE forename_canonical IS NOT NULL
),
-- Soundex: letters to digit classes (h, w dropped; vowels 0), runs collapsed
-- (including the first letter's class), zeros dropped, first letter + 3 digits.
soundex_code AS (
    SELECT name,
        regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
            translate(left(name, 1) || replace(replace(substr(name, 2), 'h', ''), 'w', ''),
                      'abcdefghijklmnopqrstuvwxyz', '01230120022455012623010202'),
            '1+', '1', 'g'), '2+', '2', 'g'), '3+', '3', 'g'), '4+', '4', 'g'), '5+', '5', 'g'), '6+', '6', 'g')
            AS collapsed
    FROM token
),
soundex AS (
    SELECT name, upper(left(name, 1)) || rpad(left(replace(substr(collapsed, 2), '0', ''), 3), 3, '0') AS code
    FROM soundex_code
)
SELECT
    n.person_ref,
    n.system,
    n.surname_std,
    n.surname_first,
    n.surname_last,
    ss.code AS surname_sdx,
    -- A name carried in place of the family name: many Bangladeshi and Pakistani women are
    -- recorded as Begum, Bibi or Khatun and Sikhs as Kaur or Singh, on one record instead of
    -- the family (clan) name on another, so such a surname disagreeing is weak evidence
    -- (the surname comparison's "title name" level). Common spellings included.
    n.surname_std IN ('begum', 'begam', 'begom', 'bibi', 'khatun', 'khatoon', 'kaur', 'kour', 'singh')
        AS surname_is_title,
    n.forename1,
    n.forename2,
    n.forename_canonical,
    left(n.forename1, 1) AS forename_initial,
    length(n.forename1) = 1 AS forename_is_initial,
    fs.code AS forename_sdx,
    -- Mohammed (Md, Mohd, Muhammad) is often a religious prefix: the man is known by his
    -- middle (calling) name, and one system records "Mohammed" alone, another the calling
    -- name alone. Such forenames disagreeing is weak evidence (the forename comparison's
    -- "prefix name" level).
    n.forename_canonical = 'mohammed' AS forename_is_prefix,
    CASE WHEN n.forename_canonical IS NOT NULL AND n.surname_std IS NOT NULL
         THEN n.forename_canonical || ' ' || n.surname_std END AS full_name,
    CASE
        WHEN n.dob IS NULL THEN NULL
        WHEN month(n.dob) = 1 AND day(n.dob) = 1 THEN NULL
        WHEN year(n.dob) < 1900 THEN NULL
        WHEN n.dob > CAST(${extracted_at} AS DATE) THEN NULL
        ELSE n.dob
    END AS dob_std,
    CASE WHEN n.dob IS NOT NULL AND month(n.dob) = 1 AND day(n.dob) = 1 THEN TRUE ELSE FALSE END
        AS dob_placeholder,
    -- 01/01/<year> is usually entered when only the year of birth is known
    CASE WHEN month(n.dob) = 1 AND day(n.dob) = 1 AND year(n.dob) > 1900
              AND n.dob <= CAST(${extracted_at} AS DATE)
         THEN year(n.dob) END AS dob_placeholder_year,
    CASE WHEN n.sex_raw IN ('M', 'F') THEN n.sex_raw END AS sex_std,
    CASE WHEN regexp_full_match(n.postcode_compact, '[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}')
         THEN left(n.postcode_compact, length(n.postcode_compact) - 3) || ' ' || right(n.postcode_compact, 3)
    END AS postcode_std,
    n.address_key,
    -- sector: outward code and the inward digit (B27 2AT -> B27 2), between full and district
    CASE WHEN regexp_full_match(n.postcode_compact, '[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}')
         THEN left(n.postcode_compact, length(n.postcode_compact) - 3) || ' '
              || substr(n.postcode_compact, length(n.postcode_compact) - 2, 1)
    END AS postcode_sector,
    CASE WHEN regexp_full_match(n.postcode_compact, '[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}')
         THEN left(n.postcode_compact, length(n.postcode_compact) - 3)
    END AS postcode_outward,
    CASE
        WHEN n.phone_digits LIKE '0044%' AND length(n.phone_digits) = 14 THEN '0' || substr(n.phone_digits, 5)
        WHEN n.phone_digits LIKE '440%' AND length(n.phone_digits) = 13 THEN substr(n.phone_digits, 3)
        WHEN n.phone_digits LIKE '44%' AND length(n.phone_digits) = 12 THEN '0' || substr(n.phone_digits, 3)
        WHEN n.phone_digits LIKE '0%' AND length(n.phone_digits) = 11 THEN n.phone_digits
        WHEN n.phone_digits NOT LIKE '0%' AND length(n.phone_digits) = 10 THEN '0' || n.phone_digits
    END AS phone_std,
    CASE
        WHEN n.pnc_check <> ''
         AND n.pnc_check = substr('ZABCDEFGHJKLMNPQRTUVWXY',
                CAST(CAST(right(n.pnc_year, 2) || lpad(n.pnc_serial, 7, '0') AS BIGINT) % 23 AS INTEGER) + 1, 1)
        THEN right(n.pnc_year, 2) || '/' || lpad(n.pnc_serial, 7, '0') || n.pnc_check
    END AS pnc_std,
    CASE
        WHEN n.pnc_compact = '' THEN 'ABSENT'
        WHEN n.pnc_check = '' THEN 'MALFORMED'
        WHEN n.pnc_check = substr('ZABCDEFGHJKLMNPQRTUVWXY',
                CAST(CAST(right(n.pnc_year, 2) || lpad(n.pnc_serial, 7, '0') AS BIGINT) % 23 AS INTEGER) + 1, 1)
        THEN 'VALID'
        ELSE 'BAD_CHECK'
    END AS pnc_status
FROM named AS n
LEFT JOIN soundex AS ss ON ss.name = n.surname_std
LEFT JOIN soundex AS fs ON fs.name = n.forename_canonical
ORDER BY n.person_ref;
