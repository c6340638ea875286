"""Data-quality checks of the raw tables, after quarantine.

Blocking (downstream must not run on a table that fails them): keys present,
allowed values, unique refs, referential integrity. The quarantine guarantees
them, so a failure means the ingest itself is wrong. Warnings (the data is
usable but an analyst should know): implausible dates, person-field null
rates, quarantine rate. Metadata hold rule names and counts or rates only.

Each check is a SQL file of ``sql/1_ingest/checks/`` counting rule breaches (``sql_checks``),
its columns, codes and parent table taken from the contract (``contract.FileSpec``): a file
about one column runs once per column of the contract. The checks of one raw table run in one
step (``sql_checks.sql_multi_check``): a Dagster step costs about a second.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from csenet_dagster.db import SqlFragment, identifier
from csenet_dagster.ingest import config as ingest_config
from csenet_dagster.ingest.contract import BY_FILE, FILES, PERSON_NULL_RATE_FIELDS, FileSpec
from csenet_dagster.sql_checks import Params, SqlCheck, sql_asset_check, sql_multi_check

SQL = "1_ingest/checks"


def column_params(spec: FileSpec, column: str, **extra: Any) -> dict[str, Any]:
    """Placeholders of a check file about one column of ``spec``'s table."""
    return {"table": SqlFragment(spec.table), "column": identifier(column), "column_name": column, **extra}


def date_params(spec: FileSpec) -> list[dict[str, Any]]:
    earliest = ingest_config.load().earliest_event_date
    return [
        column_params(spec, column, file_name=spec.file_name, earliest=None if column == "dob" else earliest)
        for column in spec.dates
    ]


def null_rate_params(spec: FileSpec) -> list[dict[str, Any]]:
    cfg = ingest_config.load()
    return [column_params(spec, column, max_null_rate=cfg.max_null_rate(column)) for column in PERSON_NULL_RATE_FIELDS]


def checks_for(spec: FileSpec) -> list[SqlCheck]:
    """Every check that applies to ``spec``'s table."""

    def check(name: str, description: str, params: Callable[[], Params], warn: bool = False, reported: tuple[str, ...] = ()) -> SqlCheck:
        return SqlCheck(name, spec.table, f"{SQL}/{name}.sql", description, blocking=not warn, warn=warn,
                        params=params, reported=reported)

    checks = [
        check("keys_present", f"Key columns ({', '.join(spec.keys)}) are never empty.",
              lambda: [column_params(spec, column) for column in spec.keys]),
    ]
    coded = [c for c in spec.coded if c.column not in spec.flags]  # flags are BOOLEAN by now
    if coded:
        checks.append(check(
            "allowed_values", "Coded columns hold contract codes only.",
            lambda: [column_params(spec, c.column, allowed=c.allowed, nullable=c.nullable) for c in coded],
        ))
    if spec.unique_ref:
        checks.append(check("unique_ref", f"{spec.unique_ref} is unique.", lambda: column_params(spec, spec.unique_ref)))
    if spec.parent:
        column, parent_file = spec.parent
        parent_table = SqlFragment(BY_FILE[parent_file].table)
        checks.append(check("referential_integrity", f"Every {column} is in {parent_file}.",
                            lambda: column_params(spec, column, parent_table=parent_table)))
    if spec.dates:
        checks.append(check(
            "date_sanity",
            "No dates after extracted_at (later ones beyond the tolerance are blanked and listed in field_issue); "
            "no event dates before the earliest plausible date.",
            lambda: date_params(spec), warn=True, reported=tuple(f"dated_rows/{column}" for column in spec.dates),
        ))
    if spec.has_person:
        checks.append(check(
            "person_null_rates", "Null rates of surname, dob and postcode within settings.",
            lambda: null_rate_params(spec), warn=True,
            reported=("rows", *(f"{kind}/{column}" for kind in ("null_rate", "max_null_rate")
                                for column in PERSON_NULL_RATE_FIELDS)),
        ))
    return checks


QUARANTINE_RATE = SqlCheck(
    "quarantine_rate", "raw.quarantine", f"{SQL}/quarantine_rate.sql",
    "Share of each file's rows quarantined stays within settings.",
    blocking=False, warn=True,
    params=lambda: {"file_names": tuple(spec.file_name for spec in FILES),
                    "max_quarantine_rate": float(ingest_config.load().max_quarantine_rate)},
    reported=("max_quarantine_rate", *(f"quarantine_rate/{spec.file_name}" for spec in FILES)),
)

CHECKS = [*(sql_multi_check(f"{spec.name}_quality", checks_for(spec)) for spec in FILES), sql_asset_check(QUARANTINE_RATE)]
