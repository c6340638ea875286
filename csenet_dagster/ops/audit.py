"""Failed runs go into the run audit too (published runs are recorded by publish).

A run-failure sensor (running by default in the UI deployment) writes one
``audit.run_history`` row per failed ``csenet_refresh`` run: trigger, delivery,
failing step and its error. The error text keeps only the first line of the
innermost error with every quoted value masked (``csenet_dagster.redact``:
column, table and file names stay readable), because database errors quote the
value they choked on (``Could not convert string '...'``).
"""

from __future__ import annotations

import dagster as dg
from dagster._utils.error import SerializableErrorInfo

from csenet_dagster.locking import working_db_lock
from csenet_dagster.ops import run_settings
from csenet_dagster.ops.config import load
from csenet_dagster.ops.job import DELIVERY_OP, REFRESH_JOB
from csenet_dagster.ops.sensor import DELIVERY_TAG
from csenet_dagster.publish.audit import STATUS_FAILED, record_run
from csenet_dagster.redact import mask_values
from csenet_dagster.run_folder import published_run

AUDIT_SENSOR_NAME = "csenet_run_failure_audit"


def safe_error_line(error: SerializableErrorInfo | None) -> str | None:
    """``Class: first line`` of the innermost cause, quoted values masked."""
    if error is None:
        return None
    while error.cause is not None:
        error = error.cause
    lines = [line.strip() for line in (error.message or "").splitlines() if line.strip()]
    first = mask_values(lines[0]) if lines else ""
    name = error.cls_name or "Error"
    return first if first.startswith(f"{name}:") else f"{name}: {first}"


def failure_of(instance: dg.DagsterInstance, run_id: str) -> tuple[str | None, str | None]:
    """(failing step key, safe error line) of a failed run, from its event log."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_FAILURE).records
    for record in records:
        event = record.event_log_entry.dagster_event
        if event is not None:
            return event.step_key, safe_error_line(event.step_failure_data.error)
    failures = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.RUN_FAILURE).records
    for record in failures:
        event = record.event_log_entry.dagster_event
        data = event.event_specific_data if event is not None else None
        return None, safe_error_line(getattr(data, "error", None))
    return None, None


def requested_delivery(run: dg.DagsterRun) -> str | None:
    """The delivery a run was asked to process (None: the newest complete one)."""
    op_config = (run.run_config or {}).get("ops", {}).get(DELIVERY_OP, {}).get("config", {})
    return op_config.get("delivery_id") or run.tags.get(DELIVERY_TAG) or None


def record_failure(instance: dg.DagsterInstance, run: dg.DagsterRun) -> None:
    """Write the audit row of a failed refresh run, waiting for the working database."""
    failed_step, error = failure_of(instance, run.run_id)
    with working_db_lock(timeout_seconds=load().audit_lock_timeout_seconds):
        if published_run() == run.run_id:
            # It died after its files were switched in: it did publish (the next run
            # settles its 'publishing' row), so it is not recorded as failed.
            return
        record_run(
            run_id=run.run_id,
            status=STATUS_FAILED,
            tags=run.tags,
            delivery_id=requested_delivery(run),
            failed_step=failed_step,
            error=error,
            # The run's own snapshot went with its folder; these are the settings as they are now.
            settings_used=run_settings.all_settings(),
        )


@dg.run_failure_sensor(
    name=AUDIT_SENSOR_NAME,
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Records every failed csenet_refresh run in audit.run_history (published with the next run).",
)
def run_failure_audit(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    if run.job_name != REFRESH_JOB:
        return
    # A busy working database raises here; the tick is retried, the failure is not lost.
    record_failure(context.instance, run)
    context.log.info(f"recorded failed run {run.run_id} in audit.run_history")
