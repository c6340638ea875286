"""The prev stage: the previous published run read once, with one error policy
(docs/operations.md, "The previous run")."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from csenet_dagster import db, ids, previous, settings
from csenet_dagster.ops.resource import duckdb_resource
from csenet_dagster.previous import snapshot
from conftest import complete_previous_run


def published(path, *statements: str):
    conn = duckdb.connect(str(path), config=dict(db.CONNECTION_CONFIG))
    for statement in statements:
        conn.execute(statement)
    conn.close()
    return complete_previous_run(path)


def take() -> dict[str, int]:
    with db.working_db() as conn:
        return snapshot.take(conn)


def test_first_run_is_an_empty_snapshot_with_the_ledger_watermark(empty_workspace):
    with db.working_db() as conn:
        conn.execute("CREATE TABLE audit.id_ledger AS SELECT * FROM (VALUES ('network', 4, 'r1', NULL::TIMESTAMP)) "
                     "t(kind, max_issued, run_id, recorded_at)")
    rows = take()
    assert rows == {table: 0 for table in snapshot.SNAPSHOT_TABLES} | {"prev.id_watermark": 2}
    with db.working_db() as conn:
        assert snapshot.watermark(conn, ids.NOMINAL) == 0 and snapshot.watermark(conn, ids.NETWORK) == 4


def test_the_watermark_counts_every_id_the_previous_run_held(empty_workspace):
    published(
        settings.paths().analyst_db,
        "CREATE TABLE run AS SELECT 'd1' AS delivery_id",
        "CREATE TABLE nominal_record AS SELECT 'PR1' AS person_ref, 'N00000003' AS nominal_id",
        "CREATE TABLE nominal AS SELECT 'N00000005' AS nominal_id",
        # an id merged away survives only in nominal_change
        "CREATE TABLE nominal_change AS SELECT 'N00000003' AS nominal_id, 'N00000002, N00000011' AS previous_nominal_ids",
        "CREATE TABLE network AS SELECT 'CSE00002' AS network_id, 1 AS priority_rank",
        "CREATE TABLE network_member AS SELECT 'CSE00006' AS network_id, 'N00000003' AS nominal_id",
        "CREATE TABLE id_watermark AS SELECT * FROM (VALUES ('nominal', 9), ('network', 3)) t(kind, max_issued)",
    )
    rows = take()
    assert rows["prev.run"] == 1 and rows["prev.nominal_record"] == 1 and rows["prev.network_member"] == 1
    with db.working_db() as conn:
        assert snapshot.watermark(conn, ids.NOMINAL) == 11
        assert snapshot.watermark(conn, ids.NETWORK) == 6
        assert snapshot.crosswalk(conn) == {"N00000003": ["PR1"]}
        assert snapshot.network_members(conn) == {"CSE00006": ["N00000003"]}


@pytest.mark.parametrize(
    "statements, rule",
    [
        (["CREATE TABLE nominal_record (person_ref VARCHAR)"], "previous_column_present: table nominal_record lacks column nominal_id"),
        (["CREATE TABLE run (delivery_id VARCHAR)", "DROP TABLE id_watermark"], "previous_table_present: table id_watermark"),
        (["CREATE TABLE nominal_record AS SELECT 'PR1' AS person_ref, 'Smith' AS nominal_id"],
         r"previous_id_format: nominal ids not of the form N \+ 8 digits in nominal_record.nominal_id \(1 row"),
    ],
)
def test_a_published_file_that_cannot_serve_fails_the_run_naming_file_and_rule(empty_workspace, statements, rule):
    path = settings.paths().analyst_db
    conn = duckdb.connect(str(path), config=dict(db.CONNECTION_CONFIG))
    for statement in statements:
        if not statement.startswith("DROP"):
            conn.execute(statement)
    conn.close()
    complete_previous_run(path)
    for statement in statements:
        if statement.startswith("DROP"):
            conn = duckdb.connect(str(path), config=dict(db.CONNECTION_CONFIG))
            conn.execute(statement)
            conn.close()
    with pytest.raises(snapshot.PreviousRunError, match=f"previous published run analyst.duckdb: rule {rule}") as caught:
        take()
    assert "Smith" not in str(caught.value)  # never a value


def test_an_unreadable_published_file_fails_the_asset(empty_workspace):
    settings.paths().analyst_db.parent.mkdir(parents=True, exist_ok=True)
    settings.paths().analyst_db.write_bytes(b"not a database" * 100)
    result = dg.materialize(previous.ASSETS, resources={"duckdb": duckdb_resource()}, raise_on_error=False)
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert "analyst.duckdb: rule previous_run_readable" in failure.step_failure_data.error.message
