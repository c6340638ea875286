"""The working database as the run's resource: it holds the warehouse for the whole run.

Taken once per run (in-process executor), it reads the settings once for the whole run
(``ops/run_settings.py``), waits for the warehouse lock, makes the warehouse private,
settles an earlier run that died while publishing, and opens the run's staging folder
(keeping the settings snapshot there); on the way out it closes the folder again.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from csenet_dagster import db, files, run_folder, settings
from csenet_dagster.locking import working_db_lock
from csenet_dagster.ops import config, run_settings
from csenet_dagster.ops.job import REFRESH_JOB
from csenet_dagster.publish.audit import reconcile_publications


class WorkingDuckDBResource(DuckDBResource):
    """DuckDBResource that holds the working database's file lock while in use.

    With the in-process executor that is the whole run, so two runs on one
    warehouse (UI, sensor, CLI) wait for each other instead of failing on
    DuckDB's single-writer lock or interleaving their steps. Like
    ``db.connect`` it creates the stage schemas, so any stage may run first.
    """

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext):
        # Every file of a run can hold person data: owner-only from the first byte.
        files.private_umask()

        def waiting(message: str) -> None:
            context.log.warning(message)
            if os.environ.get("CSENET_CLI") == "1":  # `csenet run` shows it even without --verbose
                print(f"csenet run: {message}", flush=True)

        # The settings file is read once, here: every step of the run sees these values.
        with settings.run_snapshot(run_settings.all_settings) as snapshot:
            timeout = config.load().working_db_lock_timeout_seconds
            with working_db_lock(timeout_seconds=timeout, work_db=self.database, on_wait=waiting):
                # Taken once per run (in-process executor): the lock is held until the run ends.
                files.private_warehouse(Path(self.database).parent)
                db.connect(self.database).close()
                files.restrict_working_db(Path(self.database))
                run_id = context.run.run_id if context.run is not None else None
                if run_id:
                    reconcile_publications(self.database)
                    folder = run_folder.begin(run_id, publishes=_run_publishes(context.run))
                    if folder is not None:
                        run_settings.write_snapshot(folder, snapshot)
                try:
                    with super().yield_for_execution(context) as resource:
                        yield resource
                finally:
                    if run_id:
                        run_folder.end(run_id)

    @contextmanager
    def get_connection(self):
        # dagster-duckdb closes the connection only when the block succeeds; one
        # leaked by a failing step keeps the file open with its own config, and
        # later opens in the process (e.g. read-only) are refused.
        with super().get_connection() as conn:
            try:
                yield conn
            except BaseException:
                conn.close()
                raise


def _run_publishes(run) -> bool:
    """Whether this run ends with publish/analyst_db (a full csenet_refresh run)."""
    if run.job_name != REFRESH_JOB:
        return False
    selection = run.asset_selection
    return not selection or dg.AssetKey(["publish", "analyst_db"]) in selection


def duckdb_resource() -> DuckDBResource:
    """The working database as a Dagster resource (path read from the environment)."""
    work_db = settings.paths().work_db
    work_db.parent.mkdir(parents=True, exist_ok=True)
    return WorkingDuckDBResource(database=str(work_db), connection_config=dict(db.CONNECTION_CONFIG))
