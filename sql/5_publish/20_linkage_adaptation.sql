-- analyst.linkage_adaptation, published beside analyst.run: what this delivery
-- carried and what entity resolution did without (er.linkage_adaptation): each
-- comparison, blocking, training and prior rule with status used / left_out / prior
-- and why. Shares and pair counts only, never a delivered value.
CREATE OR REPLACE TABLE pub.linkage_adaptation AS
SELECT item_no, kind, name, columns, status, fill_share, pairs, detail
FROM er.linkage_adaptation
ORDER BY item_no;
