"""The run audit: ``audit.run_history`` in the working database, one row per run.

Published runs are recorded by ``publish/analyst_db``; the ops layer records
failed runs with :func:`record_run` (e.g. from a run-failure sensor), so the
history shows every attempt. Rows carry ids, checksums, counts, settings and
the failing step's error text (which by project rule never holds person values).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb

from csenet_dagster import __version__, db, settings
from csenet_dagster.publish import config

TRIGGER_TAG = "csenet/trigger"  # set by the CLI ("cli") and the delivery sensor ("sensor:<name>")
SENSOR_TAG = "dagster/sensor_name"
SCHEDULE_TAG = "dagster/schedule_name"
BACKFILL_TAG = "dagster/backfill"

STATUS_PUBLISHED = "published"
STATUS_FAILED = "failed"

CORRECTION_TABLES = {
    "identity_corrections_applied": "er.identity_correction",
    "link_corrections_applied": "net.link_correction",
}


def utc_now() -> dt.datetime:
    """Wall-clock time, UTC naive: only for describing a run, never for results."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


@functools.cache
def code_version() -> str:
    """Package version plus the git commit of the checkout when there is one."""
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=12"],
            cwd=settings.REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        described = ""
    return f"{__version__}+git.{described}" if described else __version__


def trigger_from_tags(tags: Mapping[str, str]) -> str:
    """What started the run: cli, sensor, schedule, backfill, api or ui."""
    if tags.get(TRIGGER_TAG):
        return tags[TRIGGER_TAG].split(":", 1)[0]
    if SENSOR_TAG in tags:
        return "sensor"
    if SCHEDULE_TAG in tags:
        return "schedule"
    if BACKFILL_TAG in tags:
        return "backfill"
    # Runs launched from the Dagster UI carry no trigger tag of their own.
    return "ui"


def settings_json() -> str:
    return json.dumps(settings.all_settings(), sort_keys=True, default=str)


def _table_exists(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return bool(
        db.scalar(
            conn,
            "SELECT count(*) FROM information_schema.tables "
            f"WHERE table_schema = {db.literal(schema)} AND table_name = {db.literal(name)}",
        )
    )


def corrections_applied(conn: duckdb.DuckDBPyConnection) -> dict[str, int | None]:
    """Rows of each corrections table of this run (None when the stage keeps none)."""
    counts: dict[str, int | None] = {}
    for field, table in CORRECTION_TABLES.items():
        if not _table_exists(conn, table):
            counts[field] = None
            continue
        columns = {name for name, _ in db.table_schema(conn, table)}
        where = " WHERE applied" if "applied" in columns else ""
        counts[field] = int(db.scalar(conn, f"SELECT count(*) FROM {table}{where}"))
    return counts


@dataclass(frozen=True)
class DeliveryFacts:
    delivery_id: str | None
    extracted_at: dt.datetime | None
    manifest_sha256: str | None
    checksums_json: str | None


def delivery_facts(conn: duckdb.DuckDBPyConnection) -> DeliveryFacts:
    """The delivery in raw.delivery with its files' sha256 digests (JSON, by file name)."""
    if not _table_exists(conn, "raw.delivery"):
        return DeliveryFacts(None, None, None, None)
    rows = conn.sql("SELECT delivery_id, extracted_at, manifest_sha256 FROM raw.delivery").fetchall()
    if not rows:
        return DeliveryFacts(None, None, None, None)
    delivery_id, extracted_at, manifest_sha256 = rows[0]
    checksums = None
    if _table_exists(conn, "raw.delivery_file"):
        files = conn.sql(
            "SELECT file_name, sha256 FROM raw.delivery_file ORDER BY file_name"
        ).fetchall()
        checksums = json.dumps(dict(files), sort_keys=True)
    return DeliveryFacts(delivery_id, extracted_at, manifest_sha256, checksums)


def ensure_history(conn: duckdb.DuckDBPyConnection) -> None:
    db.run_sql(conn, "5_publish/audit/create_run_history.sql")


def record_run(
    conn: duckdb.DuckDBPyConnection | None = None,
    *,
    run_id: str,
    status: str,
    trigger: str = "ui",
    tags: Mapping[str, str] | None = None,
    delivery_id: str | None = None,
    failed_step: str | None = None,
    error: str | None = None,
    published_at: dt.datetime | None = None,
) -> None:
    """Write (or rewrite) the audit.run_history row of one run.

    ``conn`` defaults to a fresh connection to the working database (for
    callers outside a run, such as a run-failure sensor; they should hold the
    ops working-database lock). With ``tags`` the trigger is read from the
    run's tags. For a failed run whose ``delivery_id`` is given and differs
    from raw.delivery (ingest never loaded it), the delivery facts stay empty
    rather than describe another delivery.
    """
    if status not in (STATUS_PUBLISHED, STATUS_FAILED):
        raise ValueError(f"run status must be '{STATUS_PUBLISHED}' or '{STATUS_FAILED}', got {status!r}")
    if conn is None:
        with db.working_db() as own:
            record_run(
                own, run_id=run_id, status=status, trigger=trigger, tags=tags,
                delivery_id=delivery_id, failed_step=failed_step, error=error,
                published_at=published_at,
            )
        return
    ensure_history(conn)
    facts = delivery_facts(conn)
    if delivery_id is not None and delivery_id != facts.delivery_id:
        facts = DeliveryFacts(delivery_id, None, None, None)
    limit = config.load().max_error_chars
    db.run_sql(
        conn,
        "5_publish/audit/record_run.sql",
        run_id=run_id,
        trigger=trigger_from_tags(tags) if tags is not None else trigger,
        status=status,
        delivery_id=facts.delivery_id,
        extracted_at=facts.extracted_at,
        manifest_sha256=facts.manifest_sha256,
        delivery_checksums=facts.checksums_json,
        code_version=code_version(),
        settings=settings_json(),
        failed_step=failed_step,
        error=error[:limit] if error else None,
        published_at=published_at,
        recorded_at=utc_now(),
        **corrections_applied(conn),
    )
