-- What this delivery carried and what the linkage model did without (registered as
-- linkage_adaptation_rows by linkage.link): one row per comparison, blocking rule,
-- training rule, deterministic rule and parameter, with its status (used, left_out,
-- prior, skipped) and why. Column shares and pair counts only: never a delivered value.
-- Published beside analyst.run, so analysts can see what a run did without.
CREATE OR REPLACE TABLE er.linkage_adaptation AS
SELECT row_number() OVER () AS item_no, kind, name, columns, status, fill_share, pairs, detail
FROM linkage_adaptation_rows;
