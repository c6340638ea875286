"""Running the whole pipeline in-process (the CLI, tests and benchmarks use this)."""

from __future__ import annotations

from typing import Any

import dagster as dg

REFRESH_JOB = "csenet_refresh"
DELIVERY_OP = "raw__delivery"


def refresh_run_config(delivery_id: str | None = None) -> dict[str, Any]:
    """Run config naming the delivery to process (None: the newest complete one)."""
    return {"ops": {DELIVERY_OP: {"config": {"delivery_id": delivery_id or ""}}}}


def run_pipeline(
    delivery_id: str | None = None,
    *,
    instance: dg.DagsterInstance | None = None,
    raise_on_error: bool = True,
    tags: dict[str, str] | None = None,
) -> dg.ExecuteInProcessResult:
    """Materialise every asset (and run every check) for one delivery."""
    from csenet_dagster.definitions import build_definitions

    defs = build_definitions()
    job = defs.resolve_job_def(REFRESH_JOB)
    return job.execute_in_process(
        run_config=refresh_run_config(delivery_id),
        instance=instance or dg.DagsterInstance.ephemeral(),
        raise_on_error=raise_on_error,
        tags=tags or {},
    )
