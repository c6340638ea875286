"""Running the whole pipeline in-process (the CLI, tests and benchmarks use this)."""

from __future__ import annotations

from typing import Any

import dagster as dg

REFRESH_JOB = "csenet_refresh"
DELIVERY_OP = "raw__delivery"
# What started a run (cli, sensor:<name>, api); recorded in audit.run_history.
TRIGGER_TAG = "csenet/trigger"


def refresh_run_config(delivery_id: str | None = None) -> dict[str, Any]:
    """Run config naming the delivery to process (None: the newest complete one)."""
    return {"ops": {DELIVERY_OP: {"config": {"delivery_id": delivery_id or ""}}}}


def run_pipeline(
    delivery_id: str | None = None,
    *,
    instance: dg.DagsterInstance | None = None,
    raise_on_error: bool = True,
    tags: dict[str, str] | None = None,
    run_id: str | None = None,
    console_log_level: str | None = None,
) -> dg.ExecuteInProcessResult:
    """Materialise every asset (and run every check) for one delivery.

    ``run_id`` lets a caller subscribe to the run's events before it starts
    (``instance.add_event_listener(run_id, ...)``, as `csenet run` does for its
    progress lines). Runs without a ``csenet/trigger`` tag are recorded as
    triggered by ``api``. ``console_log_level`` (e.g. "CRITICAL") quietens
    Dagster's console log; the run's events are still stored in the instance.
    """
    from csenet_dagster.definitions import build_definitions

    defs = build_definitions()
    job = defs.resolve_job_def(REFRESH_JOB)
    run_config = refresh_run_config(delivery_id)
    if console_log_level:
        run_config["loggers"] = {"console": {"config": {"log_level": console_log_level}}}
    return job.execute_in_process(
        run_config=run_config,
        instance=instance or dg.DagsterInstance.ephemeral(),
        raise_on_error=raise_on_error,
        tags={TRIGGER_TAG: "api", **(tags or {})},
        run_id=run_id,
    )
