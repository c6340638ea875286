"""Conventions every stage's assets share, kept in one place.

* Asset keys are ``[schema, table]`` of the working database, so lineage in the
  UI reads like the database (``raw/crime`` -> ``er/nominal`` -> ...).
* Every asset that writes DuckDB runs in the single-writer pool.
* Metadata carry counts, rates and column schemas, never person values.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from csenet_dagster import db, settings

OWNERS = ["team:data-analytics-lab"]


class WorkingDuckDBResource(DuckDBResource):
    """DuckDBResource that holds the working database's file lock while in use.

    With the in-process executor that is the whole run, so two runs on one
    warehouse (UI, sensor, CLI) wait for each other instead of failing on
    DuckDB's single-writer lock or interleaving their steps. Like
    ``db.connect`` it creates the stage schemas, so any stage may run first.
    """

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext):
        from csenet_dagster.ops import run_folder
        from csenet_dagster.ops.locking import working_db_lock

        # Every file of a run can hold person data: owner-only from the first byte.
        os.umask(0o077)

        def waiting(message: str) -> None:
            context.log.warning(message)
            if os.environ.get("CSENET_CLI") == "1":  # `csenet run` shows it even without --verbose
                print(f"csenet run: {message}", flush=True)

        with working_db_lock(work_db=self.database, on_wait=waiting):
            # Taken once per run (in-process executor): the lock is held until the run ends.
            private_warehouse(Path(self.database).parent)
            db.connect(self.database).close()
            restrict_working_db(Path(self.database))
            run_id = context.run.run_id if context.run is not None else None
            if run_id:
                from csenet_dagster.publish.audit import reconcile_publications

                reconcile_publications(self.database)
                run_folder.begin(run_id, publishes=_run_publishes(context.run))
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
    from csenet_dagster.pipeline import REFRESH_JOB

    if run.job_name != REFRESH_JOB:
        return False
    selection = run.asset_selection
    return not selection or dg.AssetKey(["publish", "analyst_db"]) in selection


def duckdb_resource() -> DuckDBResource:
    """The working database as a Dagster resource (path read from the environment)."""
    work_db = settings.paths().work_db
    work_db.parent.mkdir(parents=True, exist_ok=True)
    return WorkingDuckDBResource(database=str(work_db), connection_config=dict(db.CONNECTION_CONFIG))


def key(table: str) -> dg.AssetKey:
    """'er.nominal' -> AssetKey(['er', 'nominal'])."""
    return dg.AssetKey(table.split("."))


def column_schema(conn: duckdb.DuckDBPyConnection, table: str) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[dg.TableColumn(name, type_) for name, type_ in db.table_schema(conn, table)]
    )


def table_metadata(conn: duckdb.DuckDBPyConnection, table: str, **extra: Any) -> dict[str, Any]:
    """Row count and column schema of a working table, plus stage-specific counts."""
    meta: dict[str, Any] = {
        "dagster/row_count": dg.MetadataValue.int(db.row_count(conn, table)),
        "dagster/column_schema": column_schema(conn, table),
        "table": dg.MetadataValue.text(table),
    }
    meta.update(extra)
    return meta


def stage_asset(
    table: str,
    *,
    group: str,
    description: str,
    deps: Sequence[str | dg.AssetKey] = (),
    kinds: Sequence[str] = ("duckdb", "sql"),
    also_writes: Mapping[str, str] | None = None,
    **kwargs: Any,
):
    """``@dg.asset`` with the project's key, pool, owners and kinds conventions; the body's
    errors are masked (``redact.masked``) before Dagster records them.

    ``also_writes``: the other persistent tables the asset writes, table -> description.
    Every persistent table is an asset key (so the lineage graph shows who reads it):
    with ``also_writes`` the asset is a multi-asset with one spec per table, the extra
    tables reported (row count, schema) before the asset's own, which comes last.
    """
    from csenet_dagster.redact import masked

    if not also_writes:
        asset = dg.asset(
            key=key(table),
            group_name=group,
            description=description,
            deps=[key(d) if isinstance(d, str) else d for d in deps],
            kinds=set(kinds),
            owners=OWNERS,
            pool=db.DUCKDB_POOL,
            **kwargs,
        )
    else:
        asset = _stage_multi_asset(table, group, description, deps, kinds, also_writes, **kwargs)
    return lambda fn: asset(masked(key(table).to_user_string())(fn))


def _stage_multi_asset(
    table: str,
    group: str,
    description: str,
    deps: Sequence[str | dg.AssetKey],
    kinds: Sequence[str],
    also_writes: Mapping[str, str],
    **kwargs: Any,
):
    dep_keys = [key(d) if isinstance(d, str) else d for d in deps]

    def spec(name: str, text: str) -> dg.AssetSpec:
        return dg.AssetSpec(key(name), deps=dep_keys, description=text, group_name=group, owners=OWNERS,
                            kinds=set(kinds))

    specs = [spec(table, description), *(spec(name, f"{text} (written by {key(table).to_user_string()})")
                                         for name, text in also_writes.items())]

    def decorate(fn: Callable[..., dg.MaterializeResult]):
        def write_tables(*args: Any, **kwargs: Any):
            result = fn(*args, **kwargs)
            with kwargs["duckdb"].get_connection() as conn:
                for name in also_writes:
                    yield dg.MaterializeResult(asset_key=key(name), metadata=table_metadata(conn, name))
            yield dg.MaterializeResult(asset_key=key(table), metadata=result.metadata if result else None)

        # Dagster reads the parameters (context, config, resources) from the signature: the asset's own.
        write_tables.__signature__ = inspect.signature(fn).replace(return_annotation=inspect.Signature.empty)
        write_tables.__doc__ = fn.__doc__
        return dg.multi_asset(specs=specs, name=key(table).to_python_identifier(), pool=db.DUCKDB_POOL,
                              **kwargs)(write_tables)

    return decorate


def check_result(passed: bool, description: str = "", **metadata: Any) -> dg.AssetCheckResult:
    """A check result whose metadata are numbers or short texts (never person values)."""
    return dg.AssetCheckResult(passed=bool(passed), description=description or None, metadata=metadata)


def private_file_mode() -> int:
    """Permission bits of every file the product writes for analysts (``publish.file_mode``)."""
    from csenet_dagster.publish.config import load

    return load().file_mode_bits


def private_dir(path: Path) -> Path:
    """Create ``path`` (with parents) and give it ``publish.file_mode`` plus search bits
    wherever a class may read (0600 -> 0700, 0640 -> 0750), also when it already exists.

    During a run, a folder under ``exports/`` is created in the run's staging folder
    instead (``ops.run_folder.staged``) and that path is returned: everything a run
    exports is published together with its analyst.duckdb, in one switch.
    """
    from csenet_dagster.ops.run_folder import staged

    path = staged(Path(path))
    mode = private_file_mode()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, mode | ((mode & 0o444) >> 2))
    return path


def write_private_file(path: Path, write: Callable[[Path], Any]) -> Path:
    """``write(temp)`` beside ``path`` in a private folder, then rename over ``path``.

    The temporary file is created owner-only before ``write`` opens it, so exports
    (which rest on intelligence) are never readable by others, not even half-written.
    During a run, ``path`` under ``exports/`` is staged in the run's folder (see
    ``private_dir``); the staged path is returned.
    """
    from csenet_dagster.ops.run_folder import staged

    path = staged(Path(path))
    private_dir(path.parent)
    temp = path.with_name(f".{path.name}.tmp")
    os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    os.chmod(temp, 0o600)  # an existing leftover keeps its old mode otherwise
    write(temp)
    os.chmod(temp, private_file_mode())
    os.replace(temp, path)
    return path


def private_warehouse(folder: Path) -> Path:
    """The warehouse folder, owner-only (``publish.file_mode`` plus search bits): it holds the
    working database, staged runs and the verified delivery copy, so nothing in it is
    reachable by others even in the moment between a file's creation and its chmod."""
    mode = private_file_mode()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, mode | ((mode & 0o444) >> 2))
    return folder


def restrict_working_db(work_db: Path) -> None:
    """work.duckdb (and its WAL) owner-only, whatever mode an older version created it with."""
    for path in (work_db, work_db.with_name(work_db.name + ".wal")):
        if path.exists():
            os.chmod(path, 0o600)
