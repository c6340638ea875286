-- The harm stage's reference data in the shareable picture (csenet_dagster/network/shareable.py,
-- sql/3_network/14_shareable_input.sql): the same offence weights as the working database ${work}.
CREATE OR REPLACE VIEW harm.offence_weight AS SELECT * FROM ${work}.harm.offence_weight;
