-- Reference: Home Office offence codes and whether each is a CSE offence
-- (setting harm.classification_file, default csenet_dagster/reference/offence_codes.csv,
-- validated and registered as offence_code_csv). Codes go through the one
-- normalisation of sql/common/offence_code.sql (parameter reference_offence_code), as
-- the delivered codes they are joined to do.
-- is_cse_offence: a suspect/offender on such a crime is a CSE seed (cse_basis says why).
-- child_victim_implied: the offence's definition itself implies a victim under 18
-- (e.g. 19E rape of a child under 13, 88A grooming); child_victim_basis says why.
-- Both column names are an interface (read by the labels and network stages).
CREATE OR REPLACE TABLE net.cse_offence_code AS
SELECT
    ${reference_offence_code} AS offence_code,
    offence_title,
    category,
    upper(trim(is_cse_offence)) = 'Y' AS is_cse_offence,
    cse_basis,
    upper(trim(child_victim_implied)) = 'Y' AS child_victim_implied,
    child_victim_basis,
    offence_group,
    offence_subgroup,
    offence_class,
    code_status
FROM offence_code_csv
ORDER BY offence_code;
