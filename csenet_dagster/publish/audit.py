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
from typing import Any

import duckdb

from csenet_dagster import __version__, db, settings
from csenet_dagster.publish import config

TRIGGER_TAG = "csenet/trigger"  # set by the CLI ("cli") and the delivery sensor ("sensor:<name>")
SENSOR_TAG = "dagster/sensor_name"
SCHEDULE_TAG = "dagster/schedule_name"
BACKFILL_TAG = "dagster/backfill"

STATUS_PUBLISHED = "published"
STATUS_FAILED = "failed"
# Written by publish/analyst_db before its switch; becomes published right after the
# switch, or failed (at the next run's start) when the run died in between unpublished.
STATUS_PUBLISHING = "publishing"
STATUSES = (STATUS_PUBLISHED, STATUS_FAILED, STATUS_PUBLISHING)

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


def settings_json(used: Mapping[str, Any] | None = None) -> str | None:
    """The settings a run used, as JSON: ``used`` when given (the failure auditor, outside the
    run), else the snapshot the run took at its start; None when neither exists."""
    if used is None:
        snapshot = settings.current_run_snapshot()
        used = snapshot.used if snapshot is not None else None
    return json.dumps(used, sort_keys=True, default=str) if used is not None else None


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
    settings_used: Mapping[str, Any] | None = None,
) -> None:
    """Write (or rewrite) the audit.run_history row of one run.

    ``conn`` defaults to a fresh connection to the working database (for
    callers outside a run, such as a run-failure sensor; they should hold the
    ops working-database lock). With ``tags`` the trigger is read from the
    run's tags. For a failed run whose ``delivery_id`` is given and differs
    from raw.delivery (ingest never loaded it), the delivery facts stay empty
    rather than describe another delivery. The settings recorded are the run's snapshot
    (``settings_json``) or, from outside the run, ``settings_used``.
    """
    if status not in STATUSES:
        raise ValueError(f"run status must be one of {', '.join(STATUSES)}, got {status!r}")
    if conn is None:
        with db.working_db() as own:
            record_run(
                own, run_id=run_id, status=status, trigger=trigger, tags=tags,
                delivery_id=delivery_id, failed_step=failed_step, error=error,
                published_at=published_at, settings_used=settings_used,
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
        settings=settings_json(settings_used),
        failed_step=failed_step,
        error=error[:limit] if error else None,
        published_at=published_at,
        recorded_at=utc_now(),
        **corrections_applied(conn),
    )


def run_status(conn: duckdb.DuckDBPyConnection, run_id: str) -> str | None:
    ensure_history(conn)
    return db.scalar(conn, f"SELECT status FROM audit.run_history WHERE run_id = {db.literal(run_id)}")


def reconcile_publications(work_db: str | None = None) -> list[tuple[str, str]]:
    """Settle runs left 'publishing' by a run killed during publication (at the next run's start).

    The publication pointer decides: a run that ``current`` points at was published
    (it died after the switch); any other was not, and is recorded as failed. Returns
    (run_id, new status) pairs. The caller holds the warehouse lock.
    """
    from csenet_dagster import run_folder

    settled: list[tuple[str, str]] = []
    conn = db.connect(work_db)
    try:
        ensure_history(conn)
        pending = [row[0] for row in conn.sql(
            f"SELECT run_id FROM audit.run_history WHERE status = {db.literal(STATUS_PUBLISHING)} ORDER BY run_id"
        ).fetchall()]
        current = run_folder.published_run()
        for run_id in pending:
            if run_id == current:
                conn.execute(
                    f"UPDATE audit.run_history SET status = {db.literal(STATUS_PUBLISHED)} "
                    f"WHERE run_id = {db.literal(run_id)}"
                )
                settled.append((run_id, STATUS_PUBLISHED))
                _ledger_from_history(conn, run_id)
            else:
                conn.execute(
                    f"UPDATE audit.run_history SET status = {db.literal(STATUS_FAILED)}, published_at = NULL, "
                    "failed_step = 'publish/analyst_db', "
                    "error = 'run ended during publication before its files were switched in; "
                    "the previous set stayed published' "
                    f"WHERE run_id = {db.literal(run_id)}"
                )
                settled.append((run_id, STATUS_FAILED))
    finally:
        conn.close()
    return settled


def _ledger_from_history(conn: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Record a run's delivery as processed (for a run that died right after its switch)."""
    from csenet_dagster import deliveries

    rows = conn.sql(
        "SELECT delivery_id, manifest_sha256, trigger, published_at FROM audit.run_history "
        f"WHERE run_id = {db.literal(run_id)}"
    ).fetchall()
    if rows and rows[0][0] and rows[0][1]:
        delivery_id, sha, trigger, published_at = rows[0]
        if delivery_id not in deliveries.processed():
            deliveries.record(deliveries.Processed(
                delivery_id=delivery_id, manifest_sha256=sha, run_id=run_id, trigger=trigger or "",
                published_at=published_at.isoformat() if published_at else "",
            ))
