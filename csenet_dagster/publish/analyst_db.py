"""``publish/analyst_db``: the audited pub.* tables become the analysts' file, atomically.

Write-audit-publish: the pub.* tables were built and audited by blocking
checks upstream; this asset runs after every other asset of the run. It copies
the tables into a brand-new DuckDB file in the run's private folder
``runs/<run_id>/`` (where the run's exports and dossiers were staged), checkpoints,
closes and verifies it, raises the id ledger, and then switches the ``current``
pointer to that folder in one atomic rename (``run_folder.py``):
``analyst.duckdb`` and ``exports/`` are fixed symlinks through ``current``, so an
analyst sees the old run's set or the new one, never half of one; a reader holding
the old file open keeps reading it and never blocks the switch. If anything fails
before the switch, the previous set stays published and run_history says failed.
"""


import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from csenet_dagster import assets_common, db, deliveries, files, run_folder, settings
from csenet_dagster.publish import audit, config
from csenet_dagster.publish.possible_match import POSSIBLE_MATCH
from csenet_dagster.publish.tables import GROUP, PUB_TABLES
from csenet_dagster.redact import masked

ANALYST_DB_KEY = dg.AssetKey(["publish", "analyst_db"])
# Published besides the contract tables: the run itself and the run history.
RUN_TABLES = ("run", "run_history")
ATTACH_ALIAS = "csenet_publish_target"


def published_tables() -> list[str]:
    return [spec.name for spec in PUB_TABLES] + [POSSIBLE_MATCH.name] + list(RUN_TABLES)


def staging_dir(target: Path, run_id: str) -> Path:
    return target.parent / f".{target.name}.tmp-{run_id}"


def write_analyst_copy(
    conn: duckdb.DuckDBPyConnection, tables: Sequence[str], new_file: Path, file_mode: int
) -> None:
    """Copy ``pub.<table>`` for each table into the new DuckDB file ``new_file`` (in a private
    folder), checkpoint and close it, verify it on its own, set ``file_mode`` and fsync.

    Tables land in the file's default schema ``main`` (never a schema named
    ``analyst``: the catalog of ``analyst.duckdb`` already has that name).
    """
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
        wal = new_file.with_name(new_file.name + ".wal")
        if wal.exists():
            raise RuntimeError(f"publish: unexpected write-ahead log after closing the new analyst file ({wal.name})")
        _verify_copy(conn, new_file, tables)
        os.chmod(new_file, file_mode)
        run_folder.fsync(new_file)
    finally:
        if attached:
            conn.execute(f"DETACH {ATTACH_ALIAS}")


def write_analyst_file(
    conn: duckdb.DuckDBPyConnection,
    tables: Sequence[str],
    target: Path,
    run_id: str,
    file_mode: int,
) -> None:
    """Write the tables into a new file beside ``target`` and rename it over ``target``
    (a standalone analyst file; a pipeline run publishes through its run folder instead)."""
    staging = staging_dir(target, run_id)
    shutil.rmtree(staging, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A private folder: the new file is never readable by others, even before chmod.
    staging.mkdir(mode=0o700)
    new_file = staging / target.name
    try:
        write_analyst_copy(conn, tables, new_file, file_mode)
        leftovers = sorted(p.name for p in staging.iterdir() if p != new_file)
        if leftovers:
            raise RuntimeError(f"publish: unexpected files after closing the new analyst file: {leftovers}")
        os.replace(new_file, target)
        run_folder.fsync(target.parent)
    finally:
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


def _upstream_keys() -> list[dg.AssetKey]:
    """Every asset of the other stages: publish runs last, after everything that writes
    files (exports, dossiers) and after every blocking check (a check on any of them
    that fails skips this asset, so nothing is switched in)."""
    from csenet_dagster import harm, ingest, network, previous, resolve

    keys = {spec.asset_key for spec in (*PUB_TABLES, POSSIBLE_MATCH)}
    for stage in (ingest, previous, resolve, network, harm):
        for asset in stage.ASSETS:
            keys.update(asset.keys)
    return sorted(keys, key=lambda k: k.to_user_string())


def _require_full_refresh(context: dg.AssetExecutionContext) -> None:
    """Only a run that refreshed every asset may publish: a subset would pair this run's
    tables with exports and dossiers it did not write (or the last run's)."""
    selection = context.run.asset_selection
    if not selection:  # None or empty: the whole job
        return
    missing = sorted(k.to_user_string() for k in set(_upstream_keys()) - set(selection))
    if missing:
        raise dg.Failure(
            description=(
                f"publish/analyst_db publishes only a full csenet_refresh run; this run did not refresh "
                f"{len(missing)} assets (e.g. {', '.join(missing[:3])}). Start csenet_refresh for the "
                "delivery instead; nothing was published."
            )
        )


# The tables publish itself writes in the working database, reported after the switch.
RUN_STATE_TABLES = {
    "pub.run": "This run as published: delivery, extracted_at, code version, settings, reference files",
    "pub.run_history": "Every run's audit row as published with this run",
    "audit.run_history": "One row per run (published or failed) in the working database",
    "audit.id_ledger": "Highest nominal and network id number ever issued, raised by each publish before "
    "its switch; read back by the next run's prev/id_watermark (ids survive a lost analyst.duckdb)",
}


def _spec(asset_key: dg.AssetKey, description: str) -> dg.AssetSpec:
    return dg.AssetSpec(asset_key, deps=_upstream_keys(), description=description, group_name=GROUP,
                        kinds={"duckdb"}, owners=assets_common.OWNERS)


@dg.multi_asset(
    specs=[
        _spec(
            ANALYST_DB_KEY,
            "Publishes the run: analyst.duckdb (every audited pub.* table plus `run` and `run_history`) "
            "is written into the run's folder beside its exports and dossiers, then the `current` pointer "
            "is switched to that folder in one atomic rename (docs/operations.md). Runs after every other "
            "asset and blocking check.",
        ),
        *(_spec(assets_common.key(table), f"{text} (written by publish/analyst_db)")
          for table, text in RUN_STATE_TABLES.items()),
    ],
    name=ANALYST_DB_KEY.to_python_identifier(),
    pool=db.DUCKDB_POOL,
)
@masked("publish/analyst_db")
def analyst_db(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    _require_full_refresh(context)
    options = config.load()
    file_mode = options.file_mode_bits
    target = settings.paths().analyst_db
    run_id = context.run.run_id
    tags = context.run.tags
    tables = published_tables()
    folder = run_folder.run_dir(run_id)
    run_folder.private_folder(folder)
    published_at = audit.utc_now()
    with duckdb.get_connection() as conn:
        # The file carries its own history row as published: it is only ever seen after the switch.
        audit.record_run(conn, run_id=run_id, status=audit.STATUS_PUBLISHED, tags=tags, published_at=published_at)
        db.run_sql(conn, "5_publish/13_run.sql", run_id=run_id)
        db.run_sql(conn, "5_publish/14_run_history.sql")
        # The working database says publishing until the switch has happened.
        audit.record_run(conn, run_id=run_id, status=audit.STATUS_PUBLISHING, tags=tags, published_at=published_at)
        try:
            # The verified copy of the delivery (ingest) is never published.
            shutil.rmtree(run_folder.delivery_copy_dir(run_id), ignore_errors=True)
            new_file = folder / run_folder.ANALYST_FILE
            new_file.unlink(missing_ok=True)
            write_analyst_copy(conn, tables, new_file, file_mode)
            with db.transaction(conn):
                db.run_sql(conn, "5_publish/audit/update_id_ledger.sql", run_id=run_id, recorded_at=published_at)
            run_folder.kill_point("publish:before_switch")
            run_folder.switch(run_id)
        except Exception as exc:
            audit.record_run(conn, run_id=run_id, status=audit.STATUS_FAILED, tags=tags,
                             failed_step=ANALYST_DB_KEY.to_user_string(),
                             error=f"{type(exc).__name__}: {exc}")
            raise
        run_folder.kill_point("publish:after_switch")
        audit.record_run(conn, run_id=run_id, status=audit.STATUS_PUBLISHED, tags=tags, published_at=published_at)
        facts = audit.delivery_facts(conn)
        deliveries.record(deliveries.Processed(
            delivery_id=str(facts.delivery_id), manifest_sha256=str(facts.manifest_sha256), run_id=run_id,
            trigger=audit.trigger_from_tags(tags), published_at=published_at.isoformat(),
        ))
        row_counts = {table: db.row_count(conn, f"pub.{table}") for table in tables}
        for table in RUN_STATE_TABLES:
            yield dg.MaterializeResult(asset_key=assets_common.key(table),
                                       metadata=assets_common.table_metadata(conn, table))
    superseded = run_folder.remove_unpublished()
    files.restrict_working_db(settings.paths().work_db)
    context.log.info(f"published {len(tables)} tables of delivery {facts.delivery_id} to {target} (run folder {folder.name})")
    yield dg.MaterializeResult(
        asset_key=ANALYST_DB_KEY,
        metadata={
            "path": dg.MetadataValue.path(str(target)),
            "run_folder": dg.MetadataValue.path(str(folder)),
            "delivery_id": dg.MetadataValue.text(str(facts.delivery_id)),
            "tables": dg.MetadataValue.int(len(tables)),
            "file_mode": dg.MetadataValue.text(oct(file_mode)),
            "superseded_run_folders_removed": dg.MetadataValue.int(len(superseded)),
            **{f"rows/{table}": dg.MetadataValue.int(n) for table, n in row_counts.items()},
        }
    )
