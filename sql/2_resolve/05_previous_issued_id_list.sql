-- The ids of a comma-separated list column of the previous published run
-- (nominal_change.previous_nominal_ids: ids merged away are issued ids too).
-- (Spark: explode(split(x, ',')).)
INSERT INTO previous_issued_id (kind, id)
SELECT ${kind}, trim(u.id)
FROM (SELECT unnest(string_split(${column}, ',')) AS id
      FROM previous_run.main.${table}
      WHERE ${column} IS NOT NULL) AS u;
