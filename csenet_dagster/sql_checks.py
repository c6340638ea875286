"""Asset checks as SQL files: the one idiom of every stage's checks.

A check is a SQL file returning one row per rule, ``(rule, n)``: the number of rows
(or subjects) breaking that rule. The check passes when every rule counts 0. A few
rows may be *reported* instead (sizes, shares): they go into the metadata and never
fail the check. Metadata are rule names and numbers only, never person values.

``SqlCheck`` declares one (name, table, file, severity, blocking, description);
``sql_asset_check`` makes the Dagster check of it (its own step), ``sql_multi_check`` the
checks of one table in one step (ingest: a Dagster step costs about a second, and every
raw table has several checks), ``check_result`` builds the result for a check an asset
reports itself (publish's ``integrity``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from csenet_dagster import assets_common, db, ids
from csenet_dagster.redact import masked


# The placeholders of a check file: one mapping, or one per run of the file (see SqlCheck.params).
Params = Mapping[str, Any] | Sequence[Mapping[str, Any]]


def no_params() -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class SqlCheck:
    """One asset check: ``sql_file`` (under ``sql/``) returns ``(rule, n)`` rows."""

    name: str
    table: str
    sql_file: str
    description: str
    blocking: bool = True
    # WARN checks report a problem an analyst should know about without stopping the run.
    warn: bool = False
    # Placeholders of the SQL file, read when the check runs (settings of the run). A sequence
    # of mappings runs the file once per mapping (ingest: once per contract column), the
    # check's rules being all their rows: the file stays plain SQL without a loop.
    params: Callable[[], Params] = field(default=no_params)
    # Rows that describe (largest size, a share) and never fail the check.
    reported: tuple[str, ...] = ()

    @property
    def asset_key(self) -> dg.AssetKey:
        return assets_common.key(self.table)

    @property
    def severity(self) -> dg.AssetCheckSeverity:
        return dg.AssetCheckSeverity.WARN if self.warn else dg.AssetCheckSeverity.ERROR


def rule_counts(conn: duckdb.DuckDBPyConnection, sql_file: str, params: Params | None = None) -> dict[str, float]:
    """Rule -> count (or reported value) of the check file ``sql_file``, run once per mapping when
    ``params`` is a sequence of them; every file may also use the ids' placeholders
    (``${nominal_id_valid}``, ``${network_id_valid}``, ... of ``ids.sql_params``)."""
    runs = params if isinstance(params, Sequence) else [params or {}]
    counts: dict[str, float] = {}
    for run in runs:
        rows = conn.sql(db.render_sql(sql_file, {**ids.sql_params(), **run})).fetchall()
        counts.update((str(rule), _number(value)) for rule, value in rows)
    return counts


def _number(value: Any) -> float | int:
    if value is None:
        return 0
    number = float(value)
    return int(number) if number.is_integer() else round(number, 6)


def check_result(
    counts: Mapping[str, float], *, reported: tuple[str, ...] = (), severity: dg.AssetCheckSeverity | None = None,
    **identity: Any,
) -> dg.AssetCheckResult:
    """Passed when every rule not ``reported`` counts 0; metadata: every rule's number."""
    failed = {rule: n for rule, n in counts.items() if n and rule not in reported}
    checked = [rule for rule in counts if rule not in reported]
    return dg.AssetCheckResult(
        passed=not failed,
        severity=severity or dg.AssetCheckSeverity.ERROR,
        description=(
            "failed rules: " + ", ".join(f"{rule} ({n:g} rows)" for rule, n in sorted(failed.items()))
            if failed else f"{len(checked)} rules passed"
        ),
        metadata={rule: n for rule, n in counts.items()},
        **identity,
    )


def run_check(conn: duckdb.DuckDBPyConnection, check: SqlCheck, **identity: Any) -> dg.AssetCheckResult:
    counts = rule_counts(conn, check.sql_file, check.params())
    return check_result(counts, reported=check.reported, severity=check.severity, **identity)


def sql_asset_check(check: SqlCheck) -> dg.AssetChecksDefinition:
    """The Dagster asset check of ``check`` (its own step, one connection)."""

    @dg.asset_check(
        asset=check.asset_key,
        name=check.name,
        blocking=check.blocking,
        description=check.description,
    )
    # An error inside a check leaves masked: Dagster stores its text (redact.masked).
    @masked(f"check {check.name}")
    def _check(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        with duckdb.get_connection() as conn:
            return run_check(conn, check)

    return _check


def sql_multi_check(name: str, checks: Sequence[SqlCheck]) -> dg.AssetChecksDefinition:
    """The Dagster checks of ``checks`` in one step named ``name`` (one connection), each reported
    on its own with its own blocking and severity."""

    @dg.multi_asset_check(
        name=name,
        specs=[
            dg.AssetCheckSpec(check.name, asset=check.asset_key, blocking=check.blocking, description=check.description)
            for check in checks
        ],
    )
    @masked(f"check {name}")
    def _checks(duckdb: DuckDBResource):
        with duckdb.get_connection() as conn:
            for check in checks:
                yield run_check(conn, check, asset_key=check.asset_key, check_name=check.name)

    return _checks


def sql_asset_checks(checks: tuple[SqlCheck, ...] | list[SqlCheck]) -> list[dg.AssetChecksDefinition]:
    return [sql_asset_check(check) for check in checks]
