-- analyst.peer_safeguarding: crimes on the CSE list where every suspect or
-- offender was a child at the offence date (harmful sexual behaviour between
-- peers): a safeguarding matter, not a CSE network; these children are not seeds.
CREATE OR REPLACE TABLE pub.peer_safeguarding AS
SELECT crime_ref, offence_code, offence_date, outcome_class, n_child_suspects, n_victims,
       child_suspect_nominal_ids, victim_nominal_ids
FROM net.peer_safeguarding_case
ORDER BY crime_ref;
