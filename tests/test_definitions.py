"""The Dagster code location loads, follows the project's conventions and guards what analysts see."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from csenet_dagster import db, settings
from csenet_dagster.definitions import build_definitions, defs
from csenet_dagster.ops.job import REFRESH_JOB
from csenet_dagster.publish import ANALYST_DB_KEY, PUB_TABLES

# Table names the force's output contract (shared/contract/outputs.md) promises.
CONTRACT_TABLES = {"nominal_record", "nominal", "edge", "network", "network_member", "soc_link"}
STAGE_GROUPS = {"ingest", "prev", "resolve", "network", "harm", "publish"}
# Assets that are files, not tables of the working database.
# assets writing files, not working tables (the shareable picture is its own file, shareable.duckdb)
FILE_ASSETS = {"publish/analyst_db", "net/graph_export", "harm/dossier", "net/shareable", "harm/shareable"}


STUB = "dagster/auto_created_stub_asset"


def all_asset_keys(definitions: dg.Definitions) -> set[dg.AssetKey]:
    """Keys of the assets the project defines (not stubs Dagster adds for undefined deps)."""
    return {spec.key for spec in definitions.resolve_all_asset_specs() if not spec.metadata.get(STUB)}


def test_definitions_validate_as_loadable():
    dg.Definitions.validate_loadable(defs)


def test_dg_check_defs_loads_the_project_like_the_ui():
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSENET_")}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dg"), "check", "defs"],
        cwd=settings.REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All definitions loaded successfully" in result.stdout + result.stderr


def test_every_dependency_is_a_defined_asset():
    # Dagster adds a stub for a dep no stage defines (a typo'd or missing table).
    stubs = [spec.key for spec in defs.resolve_all_asset_specs() if spec.metadata.get(STUB)]
    assert stubs == []


def test_refresh_job_materialises_every_asset():
    job = defs.resolve_job_def(REFRESH_JOB)
    assert job.asset_layer.executable_asset_keys == all_asset_keys(defs)
    assert ANALYST_DB_KEY in job.asset_layer.executable_asset_keys


def test_asset_keys_and_groups_follow_the_conventions():
    specs = [spec for spec in defs.resolve_all_asset_specs() if not spec.metadata.get(STUB)]
    assert specs
    for spec in specs:
        schema = spec.key.path[0]
        assert len(spec.key.path) == 2, spec.key
        # Keys read like the working database (schema/table); publish/analyst_db is the file.
        assert schema in db.SCHEMAS or spec.key == ANALYST_DB_KEY, spec.key
        # No schema (or asset prefix) named "analyst": it would clash with the catalog of analyst.duckdb.
        assert schema != "analyst"
        assert spec.group_name in STAGE_GROUPS, (spec.key, spec.group_name)


def test_every_contract_table_is_a_published_asset_guarded_by_blocking_checks():
    assert CONTRACT_TABLES <= {spec.name for spec in PUB_TABLES}
    keys = all_asset_keys(defs)
    checks = {check.key: check for check in defs.resolve_all_asset_check_specs()} if hasattr(
        defs, "resolve_all_asset_check_specs") else None
    analyst_db = defs.resolve_assets_def(ANALYST_DB_KEY)
    upstream = set(analyst_db.asset_deps[ANALYST_DB_KEY])
    for spec in PUB_TABLES:
        assert spec.asset_key in keys
        assert spec.asset_key in upstream, f"publish/analyst_db does not wait for {spec.table}"
        pub_asset = defs.resolve_assets_def(spec.asset_key)
        specs = list(pub_asset.check_specs)
        assert {c.name for c in specs} >= {"contract_columns"}
        assert all(c.blocking for c in specs), spec.table
    assert checks is None or all(c.asset_key in keys for c in checks.values())


def test_every_persistent_table_of_a_run_is_an_asset_key(small_run):
    """Lineage shows every table: one written outside any asset key (a side effect) fails here;
    make it an asset spec (``stage_asset(also_writes=...)``) or a TEMP table of its asset."""
    import duckdb

    keys = {key.to_user_string() for key in all_asset_keys(defs)}
    conn = duckdb.connect(str(small_run.work_db), read_only=True, config=dict(db.CONNECTION_CONFIG))
    try:
        tables = {f"{schema}/{table}" for schema, table in conn.sql(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()}
    finally:
        conn.close()
    assert sorted(tables - keys) == []
    assert sorted(keys - tables) == sorted(FILE_ASSETS)


def upstream_of(asset_key: str) -> set[str]:
    graph = defs.resolve_asset_graph()
    return {parent.to_user_string() for parent in graph.get(dg.AssetKey(asset_key.split("/"))).parent_keys}


def test_the_previous_run_is_one_asset_read_by_resolve_network_harm_and_publish():
    graph = defs.resolve_asset_graph()
    prev_keys = {key.to_user_string() for key in graph.get_all_asset_keys() if key.path[0] == "prev"}
    assert prev_keys == {"prev/run", "prev/nominal_record", "prev/network", "prev/network_member", "prev/edge",
                         "prev/network_crime", "prev/id_watermark"}
    for key in prev_keys:  # the backwards flow between runs starts here, upstream of everything
        assert upstream_of(key) == set(), key
    assert {"prev/nominal_record", "prev/id_watermark"} <= upstream_of("er/nominal_record")
    assert "prev/nominal_record" in upstream_of("er/nominal_change")
    assert {"prev/network_member", "prev/id_watermark"} <= upstream_of("net/network_member")
    assert "prev/network" in upstream_of("harm/network_priority")
    assert {"prev/run", "prev/network_member", "prev/edge", "prev/network_crime"} <= upstream_of("harm/explanation")
    assert "prev/id_watermark" in upstream_of("pub/id_watermark")
    # tables read across stages are asset keys their readers depend on
    assert {"net/link_correction", "er/identity_correction", "harm/reference_file"} <= upstream_of("publish/analyst_db")


def test_definitions_follow_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CSENET_WAREHOUSE_DIR", str(tmp_path / "wh"))
    rebuilt = build_definitions()
    resource = rebuilt.resources["duckdb"]
    assert Path(resource.database) == tmp_path / "wh" / "work.duckdb"


@pytest.mark.parametrize("path", ["workspace.yaml", "dagster_home/dagster.yaml"])
def test_deployment_files_exist(path):
    assert (settings.REPO_ROOT / path).is_file()
