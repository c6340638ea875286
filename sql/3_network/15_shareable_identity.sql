-- The shareable picture's identities (csenet_dagster/network/shareable.py): the force's
-- resolution of the working database ${work} (a nominal is the same person in both
-- pictures), for the person records this picture has. A record known only from
-- handling-code-C intelligence has no row, so a nominal known only from it is not
-- in the picture. Run after er.person_record is rebuilt here.
CREATE OR REPLACE VIEW er.nominal_record AS
SELECT * FROM ${work}.er.nominal_record
WHERE person_ref IN (SELECT person_ref FROM er.person_record);
