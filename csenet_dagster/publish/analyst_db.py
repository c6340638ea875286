"""``publish/analyst_db``: the audited pub.* tables become the analysts' file, atomically.

Write-audit-publish: the pub.* tables were built and audited by blocking
checks upstream; this asset copies them into a brand-new DuckDB file in a
private (0700) folder next to ``analyst.duckdb``, checkpoints and closes it,
sets owner-only permissions and renames it over ``analyst.duckdb`` with
``os.replace``. The rename is atomic, so an analyst sees the old run or the
new one, never half of one; a reader holding the old file open keeps reading
the old (unlinked) file and never blocks the swap. If anything fails before
the rename, the temporary folder is removed and ``analyst.duckdb`` is untouched.
"""


import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from csenet_dagster import assets_common, db, settings
from csenet_dagster.publish import audit, config
from csenet_dagster.publish.possible_match import POSSIBLE_MATCH
from csenet_dagster.publish.tables import GROUP, PUB_TABLES

ANALYST_DB_KEY = dg.AssetKey(["publish", "analyst_db"])
# Published besides the contract tables: the run itself and the run history.
RUN_TABLES = ("run", "run_history")
ATTACH_ALIAS = "csenet_publish_target"


def published_tables() -> list[str]:
    return [spec.name for spec in PUB_TABLES] + [POSSIBLE_MATCH.name] + list(RUN_TABLES)


def staging_dir(target: Path, run_id: str) -> Path:
    return target.parent / f".{target.name}.tmp-{run_id}"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_analyst_file(
    conn: duckdb.DuckDBPyConnection,
    tables: Sequence[str],
    target: Path,
    run_id: str,
    file_mode: int,
) -> None:
    """Copy ``pub.<table>`` for each table into a new file and atomically replace ``target``.

    Tables land in the file's default schema ``main`` (never a schema named
    ``analyst``: the catalog of ``analyst.duckdb`` already has that name).
    """
    staging = staging_dir(target, run_id)
    shutil.rmtree(staging, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A private folder: the new file is never readable by others, even before chmod.
    staging.mkdir(mode=0o700)
    new_file = staging / target.name
    attached = False
    try:
        conn.execute(f"ATTACH {db.literal(str(new_file))} AS {ATTACH_ALIAS}")
        attached = True
        for table in tables:
            conn.execute(f"CREATE TABLE {ATTACH_ALIAS}.main.{table} AS SELECT * FROM pub.{table}")
        describe_tables(conn, f"{ATTACH_ALIAS}.main", tables)
        conn.execute(f"CHECKPOINT {ATTACH_ALIAS}")
        conn.execute(f"DETACH {ATTACH_ALIAS}")
        attached = False
        leftovers = sorted(p.name for p in staging.iterdir() if p != new_file)
        if leftovers:
            raise RuntimeError(f"publish: unexpected files after closing the new analyst file: {leftovers}")
        _verify_copy(conn, new_file, tables)
        os.chmod(new_file, file_mode)
        _fsync(new_file)
        os.replace(new_file, target)
        _fsync(target.parent)
    finally:
        if attached:
            conn.execute(f"DETACH {ATTACH_ALIAS}")
        shutil.rmtree(staging, ignore_errors=True)


def describe_tables(conn: duckdb.DuckDBPyConnection, schema: str, tables: Sequence[str]) -> list[str]:
    """COMMENT ON every table and column of the new file from the data dictionary
    (publish/data_dictionary.yaml); returns the undescribed ones (the described_columns
    check warns about them, it never stops a run)."""
    from csenet_dagster.publish import data_dictionary  # runnable as a module: imported on use

    return data_dictionary.comment_tables(conn, schema, tables)


def _verify_copy(conn: duckdb.DuckDBPyConnection, new_file: Path, tables: Sequence[str]) -> None:
    """Reopen the closed new file on its own and compare it with pub.* before it replaces anything."""
    copy = duckdb.connect(str(new_file), read_only=True, config=dict(db.CONNECTION_CONFIG))
    try:
        found = {row[0] for row in copy.sql("SELECT table_name FROM information_schema.tables").fetchall()}
        if found != set(tables):
            raise RuntimeError(
                f"publish: new analyst file has tables {sorted(found)}, expected {sorted(tables)}"
            )
        for table in tables:
            written, source = db.row_count(copy, table), db.row_count(conn, f"pub.{table}")
            if written != source:
                raise RuntimeError(f"publish: {table} has {written} rows in the new file, {source} in pub.{table}")
    finally:
        copy.close()


def _restrict_working_db(file_mode: int) -> None:
    work_db = settings.paths().work_db
    for path in (work_db, work_db.with_name(work_db.name + ".wal")):
        if path.exists():
            os.chmod(path, file_mode)


@dg.asset(
    key=ANALYST_DB_KEY,
    group_name=GROUP,
    description=(
        "analyst.duckdb: every audited pub.* table plus `run` and `run_history`, written to a "
        "new file and renamed over the old one atomically (owner-only permissions)."
    ),
    deps=[spec.asset_key for spec in (*PUB_TABLES, POSSIBLE_MATCH)],
    kinds={"duckdb"},
    owners=assets_common.OWNERS,
    pool=db.DUCKDB_POOL,
)
def analyst_db(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    options = config.load()
    file_mode = options.file_mode_bits
    target = settings.paths().analyst_db
    run_id = context.run.run_id
    tags = context.run.tags
    tables = published_tables()
    with duckdb.get_connection() as conn:
        audit.record_run(conn, run_id=run_id, status=audit.STATUS_PUBLISHED, tags=tags,
                         published_at=audit.utc_now())
        db.run_sql(conn, "5_publish/13_run.sql", run_id=run_id)
        db.run_sql(conn, "5_publish/14_run_history.sql")
        try:
            write_analyst_file(conn, tables, target, run_id, file_mode)
        except Exception as exc:
            audit.record_run(conn, run_id=run_id, status=audit.STATUS_FAILED, tags=tags,
                             failed_step=ANALYST_DB_KEY.to_user_string(),
                             error=f"{type(exc).__name__}: {exc}")
            raise
        row_counts = {table: db.row_count(conn, f"pub.{table}") for table in tables}
        delivery_id = db.scalar(conn, "SELECT delivery_id FROM pub.run")
    _restrict_working_db(file_mode)
    context.log.info(f"published {len(tables)} tables of delivery {delivery_id} to {target}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(target)),
            "delivery_id": dg.MetadataValue.text(str(delivery_id)),
            "tables": dg.MetadataValue.int(len(tables)),
            "file_mode": dg.MetadataValue.text(oct(file_mode)),
            **{f"rows/{table}": dg.MetadataValue.int(n) for table, n in row_counts.items()},
        }
    )
