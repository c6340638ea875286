-- Reference: Home Office offence codes and whether each is a CSE offence
-- (csenet_dagster/reference/offence_codes.csv, registered as offence_code_csv).
CREATE OR REPLACE TABLE net.cse_offence_code AS
SELECT
    upper(trim(offence_code)) AS offence_code,
    offence_title,
    category,
    upper(trim(is_cse_offence)) = 'Y' AS is_cse_offence
FROM offence_code_csv
ORDER BY offence_code;
