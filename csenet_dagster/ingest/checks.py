"""Data-quality checks of the raw tables, after quarantine.

Blocking (downstream must not run on a table that fails them): keys present,
allowed values, unique refs, referential integrity. The quarantine guarantees
them, so a failure means the ingest itself is wrong. Warnings (the data is
usable but an analyst should know): implausible dates, person-field null
rates, quarantine rate. Metadata hold counts and rates only.
"""

from __future__ import annotations

from collections.abc import Callable

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from csenet_dagster import db
from csenet_dagster.ingest import config as ingest_config
from csenet_dagster.assets_common import check_result, key
from csenet_dagster.db import SqlFragment, identifier
from csenet_dagster.ingest.config import IngestSettings
from csenet_dagster.ingest.contract import BY_FILE, FILES, PERSON_NULL_RATE_FIELDS, FileSpec

SQL = "1_ingest"

CheckFn = Callable[[duckdb.DuckDBPyConnection, FileSpec, IngestSettings], dg.AssetCheckResult]


def _row(conn: duckdb.DuckDBPyConnection, name: str, **params: object) -> tuple:
    return conn.sql(db.render_sql(f"{SQL}/checks/{name}.sql", params)).fetchall()[0]


def _table(spec: FileSpec) -> SqlFragment:
    return SqlFragment(spec.table)


def keys_present(conn, spec: FileSpec, _: IngestSettings) -> dg.AssetCheckResult:
    empty = {c: int(_row(conn, "empty_key", table=_table(spec), column=identifier(c))[0]) for c in spec.keys}
    return check_result(
        not any(empty.values()),
        "every row has its keys" if not any(empty.values()) else "rows with an empty key reached the raw table",
        **{f"empty/{c}": n for c, n in empty.items()},
    )


def allowed_values(conn, spec: FileSpec, _: IngestSettings) -> dg.AssetCheckResult:
    unknown = {
        c.column: int(
            _row(
                conn,
                "unknown_value",
                table=_table(spec),
                column=identifier(c.column),
                allowed=c.allowed,
                nullable=c.nullable,
            )[0]
        )
        for c in spec.coded
        if c.column not in spec.flags  # flags are BOOLEAN by now
    }
    return check_result(
        not any(unknown.values()),
        "coded columns hold allowed codes only",
        **{f"unknown/{c}": n for c, n in unknown.items()},
    )


def unique_ref(conn, spec: FileSpec, _: IngestSettings) -> dg.AssetCheckResult:
    repeats = int(_row(conn, "duplicate_ref", table=_table(spec), column=identifier(spec.unique_ref))[0])
    return check_result(repeats == 0, f"{spec.unique_ref} is unique", repeats=repeats)


def referential_integrity(conn, spec: FileSpec, _: IngestSettings) -> dg.AssetCheckResult:
    column, parent_file = spec.parent
    orphans = int(
        _row(
            conn,
            "orphan",
            table=_table(spec),
            parent_table=SqlFragment(BY_FILE[parent_file].table),
            column=identifier(column),
        )[0]
    )
    return check_result(orphans == 0, f"every {column} is in {parent_file}", orphans=orphans)


def date_sanity(conn, spec: FileSpec, cfg: IngestSettings) -> dg.AssetCheckResult:
    """Dates after extracted_at (within the tolerance: kept; beyond it: blanked and listed in
    raw.field_issue as future_date) and event dates before the earliest plausible one."""
    meta: dict[str, int] = {}
    bad = 0
    blanked = dict(
        conn.sql(
            "SELECT column_name, count(*) FROM raw.field_issue "
            f"WHERE file_name = {db.literal(spec.file_name)} AND rule = 'future_date' GROUP BY column_name"
        ).fetchall()
    )
    for column in spec.dates:
        earliest = None if column == "dob" else cfg.earliest_event_date
        n_future, n_early, n_dates = (
            int(v) for v in _row(conn, "date_range", table=_table(spec), column=identifier(column), earliest=earliest)
        )
        n_blanked = int(blanked.get(column, 0))
        meta[f"after_extracted_at/{column}"] = n_future
        meta[f"future_blanked/{column}"] = n_blanked
        if earliest is not None:
            meta[f"before_{earliest}/{column}"] = n_early
        meta[f"dated_rows/{column}"] = n_dates
        bad += n_future + n_early + n_blanked
    return check_result(
        bad == 0,
        f"no dates after extracted_at; no event dates before {cfg.earliest_event_date}"
        if bad == 0
        # names the setting, not its value: a date in a message reads like a date of birth
        else "dates after extracted_at (beyond the tolerance: blanked, listed in field_issue) "
        "or event dates before ingest.earliest_event_date",
        implausible_dates=bad,
        **meta,
    )


def person_null_rates(conn, spec: FileSpec, cfg: IngestSettings) -> dg.AssetCheckResult:
    meta: dict[str, float | int] = {"rows": db.row_count(conn, spec.table)}
    over = []
    for column in PERSON_NULL_RATE_FIELDS:
        n_rows, n_empty = (int(v) for v in _row(conn, "null_rate", table=_table(spec), column=identifier(column)))
        rate = n_empty / n_rows if n_rows else 0.0
        meta[f"null_rate/{column}"] = round(rate, 4)
        meta[f"max_null_rate/{column}"] = cfg.max_null_rate(column)
        if rate > cfg.max_null_rate(column):
            over.append(column)
    return check_result(
        not over,
        "person-field null rates within settings" if not over else f"null rate above setting: {', '.join(over)}",
        **meta,
    )


def checks_for(spec: FileSpec) -> list[tuple[str, CheckFn, bool, str]]:
    """(name, check, blocking, description) of every check that applies to ``spec``'s table."""
    checks = [("keys_present", keys_present, True, f"Key columns ({', '.join(spec.keys)}) are never empty.")]
    if any(c.column not in spec.flags for c in spec.coded):
        checks.append(("allowed_values", allowed_values, True, "Coded columns hold contract codes only."))
    if spec.unique_ref:
        checks.append(("unique_ref", unique_ref, True, f"{spec.unique_ref} is unique."))
    if spec.parent:
        checks.append(
            ("referential_integrity", referential_integrity, True, f"Every {spec.parent[0]} is in {spec.parent[1]}.")
        )
    if spec.dates:
        checks.append(
            ("date_sanity", date_sanity, False, "No dates after extracted_at (later ones beyond the tolerance are blanked and listed in field_issue); no event dates before the earliest plausible date.")
        )
    if spec.has_person:
        checks.append(("person_null_rates", person_null_rates, False, "Null rates of surname, dob and postcode within settings."))
    return checks


def _table_checks(spec: FileSpec) -> dg.AssetChecksDefinition:
    """All checks of one raw table in one step (one connection), each reported on its own."""
    checks = checks_for(spec)
    asset_key = key(spec.table)

    @dg.multi_asset_check(
        name=f"{spec.name}_quality",
        specs=[dg.AssetCheckSpec(name, asset=asset_key, blocking=blocking, description=text) for name, _, blocking, text in checks],
        pool=db.DUCKDB_POOL,
    )
    def _run(duckdb: DuckDBResource):
        cfg = ingest_config.load()
        with duckdb.get_connection() as conn:
            for name, fn, blocking, _ in checks:
                result = fn(conn, spec, cfg)
                yield dg.AssetCheckResult(
                    asset_key=asset_key,
                    check_name=name,
                    passed=result.passed,
                    severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
                    description=result.description,
                    metadata=result.metadata,
                )

    return _run


@dg.asset_check(
    asset=key("raw.quarantine"),
    name="quarantine_rate",
    blocking=False,
    description="Share of each file's rows quarantined stays within settings.",
    pool=db.DUCKDB_POOL,
)
def quarantine_rate(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    cfg = ingest_config.load()
    with duckdb.get_connection() as conn:
        rows = conn.sql(
            db.render_sql(f"{SQL}/checks/quarantine_rate.sql", {"file_names": tuple(s.file_name for s in FILES)})
        ).fetchall()
    meta: dict[str, float | int] = {"max_quarantine_rate": cfg.max_quarantine_rate}
    over = []
    for file_name, n_rows, n_quarantined in rows:
        # Quarantined rows are among the delivered rows, so the file's row count is the denominator.
        rate = n_quarantined / n_rows if n_rows else 0.0
        meta[f"quarantine_rate/{file_name}"] = round(rate, 4)
        if rate > cfg.max_quarantine_rate:
            over.append(file_name)
    return dg.AssetCheckResult(
        passed=not over,
        severity=dg.AssetCheckSeverity.WARN,
        description="quarantine within settings" if not over else f"quarantine rate above setting: {', '.join(over)}",
        metadata=meta,
    )


CHECKS = [*(_table_checks(spec) for spec in FILES), quarantine_rate]
