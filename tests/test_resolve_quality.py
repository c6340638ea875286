"""Resolve stage quality against the generator's truth on a 20,000-person delivery.

Pairwise precision / recall / F1 over person_refs: a pair of records is
predicted when both are in one nominal and true when both belong to one
generated person. Precision matters more than recall (a false match can put
an innocent person next to a CSE network).
"""

from __future__ import annotations

import duckdb
import pytest

from csenet_dagster.resolve.quality import pairwise_scores

pytestmark = pytest.mark.slow


def test_crosswalk_precision_and_recall_on_20k_people(quality_pipeline_run):
    ws = quality_pipeline_run
    conn = duckdb.connect(str(ws.work_db), read_only=True)
    try:
        scores = pairwise_scores(conn, ws.truth / "person_ref.csv")
        n_records = conn.sql("SELECT count(*) FROM er.nominal_record").fetchall()[0][0]
    finally:
        conn.close()
    overall = scores["all"]
    assert n_records >= 20_000
    assert overall.true_positive + overall.false_negative > 5_000  # plenty of duplicates to find
    assert overall.precision >= 0.99, f"precision {overall.precision:.4f}"
    assert overall.recall >= 0.95, f"recall {overall.recall:.4f}"
    # common names (the top 20 surnames and forenames) must not be the weak spot
    for group in ("common_name", "other_name"):
        score = scores[group]
        assert score.precision >= 0.985 and score.recall >= 0.94, (group, score.precision, score.recall)
