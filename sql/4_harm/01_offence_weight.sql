-- harm.offence_weight: the crime harm weight (CCHI days) of every offence code,
-- from the weights file the loader validated and registered as harm_weight_input.
CREATE OR REPLACE TABLE harm.offence_weight AS
SELECT
    CAST(offence_code AS VARCHAR) AS offence_code,
    CAST(offence_title AS VARCHAR) AS offence_title,
    CAST(harm_days AS DOUBLE) AS harm_days,
    CAST(basis AS VARCHAR) AS basis,
    CAST(guideline AS VARCHAR) AS guideline,
    CAST(guideline_category AS VARCHAR) AS guideline_category,
    CAST(note AS VARCHAR) AS note,
    CAST(is_cse_offence AS BOOLEAN) AS is_cse_offence,
    CAST(source_file AS VARCHAR) AS source_file
FROM harm_weight_input
ORDER BY offence_code;
