"""sql_checks: a check file's (rule, n) rows make one result; reported rows never fail it."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from csenet_dagster import db, sql_checks
from csenet_dagster.sql_checks import SqlCheck

CHECK_SQL = """
SELECT 'negative' AS rule, count(*) AS n FROM t WHERE x < ${floor}
UNION ALL
SELECT 'largest', max(x) FROM t
UNION ALL
SELECT 'share', avg(CASE WHEN x > 1 THEN 1.0 ELSE 0 END) FROM t
"""


@pytest.fixture
def conn(tmp_path, monkeypatch):
    (tmp_path / "probe").mkdir()
    (tmp_path / "probe" / "check.sql").write_text(CHECK_SQL, encoding="utf-8")
    monkeypatch.setattr(db, "sql_root", lambda: tmp_path)
    connection = duckdb.connect(":memory:", config=dict(db.CONNECTION_CONFIG))
    connection.execute("CREATE TABLE t AS SELECT * FROM (VALUES (-2), (1), (5)) AS v(x)")
    return connection


def probe(**kwargs) -> SqlCheck:
    return SqlCheck("probe", "x.t", "probe/check.sql", "a probe", params=lambda: {"floor": 0},
                    reported=("largest", "share"), **kwargs)


def test_a_rule_with_rows_fails_the_check_and_reported_values_are_kept(conn):
    result = sql_checks.run_check(conn, probe())
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert result.description == "failed rules: negative (1 rows)"
    assert {k: v.value for k, v in result.metadata.items()} == {"negative": 1, "largest": 5, "share": 0.333333}


def test_reported_values_alone_never_fail_and_warn_checks_say_so(conn):
    conn.execute("DELETE FROM t WHERE x < 0")
    result = sql_checks.run_check(conn, probe(blocking=False, warn=True))
    assert result.passed and result.description == "1 rules passed"
    assert result.severity == dg.AssetCheckSeverity.WARN


def test_a_params_function_is_read_when_the_check_runs(conn):
    floor = {"value": 0}
    check = SqlCheck("probe", "x.t", "probe/check.sql", "a probe", params=lambda: {"floor": floor["value"]},
                     reported=("largest", "share"))
    assert not sql_checks.run_check(conn, check).passed
    floor["value"] = -5
    assert sql_checks.run_check(conn, check).passed


def test_a_sequence_of_params_runs_the_file_once_per_mapping_and_keeps_every_rule(tmp_path, conn):
    # Ingest's check files are about one contract column each: rules named per column.
    (tmp_path / "probe" / "per_column.sql").write_text(
        "SELECT 'below/' || ${name} AS rule, count(*) AS n FROM t WHERE x < ${floor}", encoding="utf-8")
    check = SqlCheck("probe", "x.t", "probe/per_column.sql", "a probe",
                     params=lambda: [{"name": "zero", "floor": 0}, {"name": "minus_five", "floor": -5}])
    result = sql_checks.run_check(conn, check)
    assert {k: v.value for k, v in result.metadata.items()} == {"below/zero": 1, "below/minus_five": 0}
    assert result.description == "failed rules: below/zero (1 rows)"
    assert sql_checks.rule_counts(conn, "probe/per_column.sql", []) == {}
