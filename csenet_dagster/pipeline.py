"""Running the whole pipeline in-process (the CLI, tests and benchmarks use this).

Above ``definitions.py``: it loads the code location and runs its refresh job.
"""

from __future__ import annotations

import os
import signal
import uuid

import dagster as dg

from csenet_dagster.ops.job import REFRESH_JOB, refresh_run_config
from csenet_dagster.publish.audit import TRIGGER_TAG
from csenet_dagster.run_folder import KILL_ENV


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
    # Loading the code location binds the resource to this environment's paths (and
    # creates the warehouse folder), so it happens when a run starts, not on import.
    from csenet_dagster.definitions import build_definitions

    defs = build_definitions()
    instance = instance or dg.DagsterInstance.ephemeral()
    run_id = run_id or str(uuid.uuid4())
    _kill_after_step_hook(instance, run_id)
    job = defs.resolve_job_def(REFRESH_JOB)
    run_config = refresh_run_config(delivery_id)
    if console_log_level:
        run_config["loggers"] = {"console": {"config": {"log_level": console_log_level}}}
    return job.execute_in_process(
        run_config=run_config,
        instance=instance,
        raise_on_error=raise_on_error,
        tags={TRIGGER_TAG: "api", **(tags or {})},
        run_id=run_id,
    )


def _kill_after_step_hook(instance: dg.DagsterInstance, run_id: str) -> None:
    """Test hook: with ``CSENET_KILL_AT=after:<step_key>`` the process SIGKILLs itself as soon
    as that step has succeeded (a crash between two steps). Never set in production."""
    point = os.environ.get(KILL_ENV, "")
    if not point.startswith("after:"):
        return
    step_key = point.split(":", 1)[1]

    def listener(entry) -> None:
        event = entry.dagster_event
        if event is not None and event.event_type == dg.DagsterEventType.STEP_SUCCESS and event.step_key == step_key:
            os.kill(os.getpid(), signal.SIGKILL)

    instance.add_event_listener(run_id, listener)
