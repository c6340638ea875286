"""Run safety, piece by piece: delivery files, verified bytes, deliveries processed once,
ids never reused, owner-only files, the run folder switch, where whole-graph measures go."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import igraph as ig
import pytest

from conftest import Workspace, clone_workspace, use_workspace
from csenet_dagster import db, settings
from csenet_dagster.ingest.delivery import DeliveryError, validate_delivery
from csenet_dagster import deliveries, run_folder
from csenet_dagster.ops import sensor as sensor_module


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture(scope="module")
def tiny_delivery(tmp_path_factory) -> Path:
    from csenet_dagster.generator import generate

    out = tmp_path_factory.mktemp("tiny_delivery")
    generate(out, people=60, seed=41)
    return out


@pytest.fixture
def tiny(tiny_delivery, tmp_path):
    ws = clone_workspace(tiny_delivery, tmp_path / "ws")
    with use_workspace(ws):
        yield ws


# --- issue 13 item 5: delivery files are regular files inside their folder ----------------


@pytest.mark.parametrize("case", ["link_outside", "etc_passwd", "link_inside", "fifo", "folder_is_link"])
def test_delivery_files_must_be_regular_files_inside_their_folder(tiny, tmp_path, case):
    folder = tiny.deliveries()[0]
    crime = folder / "crime.csv"
    if case == "link_outside":
        # Same bytes (so the digest matches), but through a link to a file elsewhere.
        outside = tmp_path / "outside.csv"
        shutil.copy(crime, outside)
        crime.unlink()
        crime.symlink_to(outside)
    elif case == "etc_passwd":
        crime.unlink()
        crime.symlink_to("/etc/passwd")
    elif case == "link_inside":
        shutil.copy(crime, folder / "crime_copy.csv")
        crime.unlink()
        crime.symlink_to("crime_copy.csv")
    elif case == "fifo":
        crime.unlink()
        os.mkfifo(crime)
    elif case == "folder_is_link":
        moved = tmp_path / "elsewhere"
        shutil.move(folder, moved)
        folder.symlink_to(moved, target_is_directory=True)
    with pytest.raises(DeliveryError) as raised:
        validate_delivery(folder)
    message = str(raised.value)
    assert "rule regular_file" in message
    assert ("crime.csv" in message) or case == "folder_is_link"
    assert "root:" not in message  # nothing of what a link points at is read


# --- item 3: what is loaded is what was checksummed ------------------------------------------


def test_the_verified_copy_is_what_was_hashed_whatever_happens_to_the_landing_file(tiny, tmp_path):
    folder = tiny.deliveries()[0]
    original = (folder / "crime.csv").read_bytes()
    copy = tmp_path / "copy" / folder.name
    manifest = validate_delivery(folder, copy_to=copy)
    assert manifest.path == copy
    # A file replaced after validation does not reach the copy that ingest loads.
    (folder / "crime.csv").write_bytes(original.replace(b"\n", b"\nX", 1))
    assert (copy / "crime.csv").read_bytes() == original
    expected = json.loads((folder / "manifest.json").read_text())["files"]["crime.csv"]["sha256"]
    assert hashlib.sha256((copy / "crime.csv").read_bytes()).hexdigest() == expected
    assert mode(copy) == 0o700 and {mode(p) for p in copy.iterdir()} == {0o600}
    # Tampered before validation: refused, as before.
    with pytest.raises(DeliveryError, match="sha256_match"):
        validate_delivery(folder, copy_to=tmp_path / "copy2" / folder.name)


def test_the_pipeline_loaded_the_verified_copy_and_never_published_it(small_run):
    with use_workspace(small_run):
        published = run_folder.published_run()
        with db.working_db(read_only=True) as conn:
            [(landing_path,)] = conn.sql("SELECT landing_path FROM raw.delivery").fetchall()
    copy = small_run.warehouse / "runs" / published / "delivery" / small_run.deliveries()[0].name
    assert Path(landing_path) == copy.resolve()
    assert not copy.parent.exists()  # removed before the switch: raw delivery data is not published


# --- item 6: deliveries processed once, clearly -------------------------------------------


def _land_stub(landing: Path, delivery_id: str, note: str = "") -> Path:
    folder = landing / delivery_id
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"delivery_id": delivery_id, "extracted_at": "2026-11-29T06:00:00Z", "files": {}, "note": note}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def _sha(folder: Path) -> str:
    return hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()


def _tick():
    context = dg.build_sensor_context(cursor=None, instance=dg.DagsterInstance.ephemeral())
    return sensor_module.delivery_sensor(context)


def test_sensor_skips_a_delivery_published_by_the_cli_and_refuses_one_resent_with_other_content(empty_workspace, monkeypatch):
    monkeypatch.setattr(sensor_module, "validation_error", lambda path: None)
    folder = _land_stub(empty_workspace.landing, "2026-11-29T0600")
    assert isinstance(_tick(), dg.RunRequest)  # not processed yet
    deliveries.record(deliveries.Processed("2026-11-29T0600", _sha(folder), "run-cli-1", "cli", "2026-11-29T07:00:00"))
    skipped = _tick()
    assert isinstance(skipped, dg.SkipReason)
    assert "already processed" in skipped.skip_message and "run-cli-1" in skipped.skip_message
    _land_stub(empty_workspace.landing, "2026-11-29T0600", note="re-sent")
    refused = _tick()
    assert isinstance(refused, dg.SkipReason)
    assert "re-sent with different content" in refused.skip_message and "refused" in refused.skip_message
    # An older delivery than one published is not run either.
    _land_stub(empty_workspace.landing, "2026-11-28T0600")
    shutil.rmtree(empty_workspace.landing / "2026-11-29T0600")
    older = _tick()
    assert isinstance(older, dg.SkipReason) and "older than the published" in older.skip_message
    assert mode(deliveries.ledger_path()) == 0o600


def test_ingest_refuses_a_delivery_id_resent_with_other_content(tiny):
    from csenet_dagster.ops.resource import duckdb_resource
    from csenet_dagster.ingest.assets import delivery

    folder = tiny.deliveries()[0]
    deliveries.record(deliveries.Processed(folder.name, "0" * 64, "run-earlier", "sensor", "2026-11-29T07:00:00"))
    result = dg.materialize([delivery], resources={"duckdb": duckdb_resource()}, raise_on_error=False)
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    message = failure.step_failure_data.error.message
    assert "rule delivery_id_reused" in message and "run-earlier" in message and "new delivery id" in message
    # The same content again is allowed (re-running a delivery by hand gives the same tables).
    deliveries.record(deliveries.Processed(folder.name, _sha(folder), "run-earlier", "sensor", "2026-11-29T07:00:00"))
    assert dg.materialize([delivery], resources={"duckdb": duckdb_resource()}).success


# --- item 4: ids never reused, even without analyst.duckdb ---------------------------------


def test_the_id_ledger_in_the_working_database_outlives_a_deleted_analyst_file(empty_workspace):
    from csenet_dagster import ids
    from csenet_dagster.previous import snapshot

    with db.working_db() as conn:
        conn.execute("CREATE TABLE pub.id_watermark AS SELECT * FROM (VALUES ('nominal', 480), ('network', 9)) t(kind, max_issued)")
        db.run_sql(conn, "5_publish/audit/update_id_ledger.sql", run_id="run-1", recorded_at=None)
        # A later, lower mark never lowers the ledger.
        conn.execute("UPDATE pub.id_watermark SET max_issued = 3")
        db.run_sql(conn, "5_publish/audit/update_id_ledger.sql", run_id="run-2", recorded_at=None)
        assert not settings.paths().analyst_db.exists()
        snapshot.take(conn)
        assert snapshot.watermark(conn, ids.NOMINAL) == 480
        assert snapshot.watermark(conn, ids.NETWORK) == 9


# --- item 5: owner-only from the first byte -------------------------------------------------


def test_a_failed_first_run_leaves_nothing_readable_by_others(tiny, tmp_path):
    from conftest import persistent_instance
    from csenet_dagster.pipeline import run_pipeline

    folder = tiny.deliveries()[0]
    with (folder / "crime.csv").open("ab") as f:
        f.write(b"tampered\n")  # the digest no longer matches: the run fails at raw/delivery
    shutil.rmtree(tiny.warehouse)
    os.umask(0o022)  # a permissive umask, as a shell would give; loading the code must tighten it
    import importlib

    import csenet_dagster.definitions

    importlib.reload(csenet_dagster.definitions)
    with persistent_instance(tiny) as instance:  # Dagster's run storage in DAGSTER_HOME
        result = run_pipeline(instance=instance, raise_on_error=False, console_log_level="CRITICAL")
    assert not result.success
    assert (tiny.warehouse / "work.duckdb").exists()
    written = [tiny.warehouse, *tiny.warehouse.rglob("*"), *tiny.dagster_home.rglob("*")]
    assert len(written) > 5
    too_open = {str(p): oct(mode(p)) for p in written
                if not p.is_symlink() and p.name != "dagster.yaml" and mode(p) & 0o077}
    assert too_open == {}


# --- item 2: the run folder and its switch --------------------------------------------------


def test_exports_are_staged_in_the_run_folder_and_switched_in_with_the_analyst_file(empty_workspace):
    from csenet_dagster.files import private_dir, write_private_file

    warehouse = empty_workspace.warehouse
    # An older layout: a real analyst.duckdb file and exports/ folder.
    (warehouse / "analyst.duckdb").write_text("old file")
    (warehouse / "exports").mkdir()
    (warehouse / "exports" / "i2_links.csv").write_text("old")
    for run_id, text in (("run-a", "a"), ("run-b", "b")):
        run_folder.begin(run_id)
        staged = write_private_file(warehouse / "exports" / "i2_links.csv", lambda p, t=text: p.write_text(t))
        assert staged == warehouse / "runs" / run_id / "exports" / "i2_links.csv"
        assert private_dir(warehouse / "exports" / "dossiers") == warehouse / "runs" / run_id / "exports" / "dossiers"
        # Not visible before the switch.
        assert (warehouse / "exports" / "i2_links.csv").read_text() != text
        (warehouse / "runs" / run_id / "analyst.duckdb").write_text(f"file {text}")
        run_folder.switch(run_id)
        run_folder.end(run_id)
        assert (warehouse / "analyst.duckdb").read_text() == f"file {text}"
        assert (warehouse / "exports" / "i2_links.csv").read_text() == text
        assert os.readlink(warehouse / "current") == f"runs/{run_id}"
        assert os.readlink(warehouse / "analyst.duckdb") == "current/analyst.duckdb"
    # Superseded folders go (the older layout's exports, moved aside, went when run-b began).
    assert run_folder.remove_unpublished() == ["run-a"]
    assert sorted(p.name for p in (warehouse / "runs").iterdir()) == ["run-b"]
    # A run that fails leaves nothing behind and changes nothing published.
    run_folder.begin("run-c")
    write_private_file(warehouse / "exports" / "x.csv", lambda p: p.write_text("c"))
    run_folder.end("run-c")
    assert not (warehouse / "runs" / "run-c").exists() and not (warehouse / "exports" / "x.csv").exists()
    # Outside a run, paths are used as given.
    assert run_folder.staged(warehouse / "exports" / "y.csv") == warehouse / "exports" / "y.csv"


def test_a_run_folder_without_its_analyst_file_is_never_switched_in(empty_workspace):
    run_folder.begin("run-x")
    with pytest.raises(RuntimeError, match="nothing switched"):
        run_folder.switch("run-x")
    run_folder.end("run-x")
    assert run_folder.published_run() is None


# --- item 7: whole-graph measures where analysts use them ----------------------------------


def test_costly_graph_measures_only_on_the_networks_neighbourhood_and_brokerage_unchanged():
    from csenet_dagster.network.centrality import NOT_COMPUTED, _brokerage, graph_centrality
    from csenet_dagster.network.delineate import Network, brokers_between_components
    from csenet_dagster.network.network_settings import NetworkSettings

    rng = random.Random(3)
    for _ in range(15):
        graph = ig.Graph.Erdos_Renyi(n=50, m=rng.randint(20, 120), directed=False)
        vertices = list(range(50))
        rng.shuffle(vertices)
        networks = [Network(tuple(sorted(vertices[i * 6:(i + 1) * 6])), False) for i in range(rng.randint(0, 3))]
        assert _brokerage(graph, networks) == brokers_between_components(graph, networks)

    # A network {0,1,2}, its contact 3, and a far-away chain 4-5-6.
    graph = ig.Graph(n=7, edges=[(0, 1), (1, 2), (2, 3), (4, 5), (5, 6)])
    graph.vs["name"] = [f"N{i:08d}" for i in range(1, 8)]
    graph.es["weight"] = [1.0] * 5
    frame = graph_centrality(graph, [Network((0, 1, 2), False)], NetworkSettings())
    rows = {r["nominal_id"]: r for r in frame.to_dicts()}
    assert rows["N00000002"]["betweenness"] > 0 and rows["N00000002"]["betweenness_method"] == "exact"
    assert rows["N00000004"]["pagerank"] is not None  # a contact of the network
    far = rows["N00000006"]
    assert (far["betweenness"], far["pagerank"], far["constraint"], far["betweenness_method"]) == (None, None, None, NOT_COMPUTED)
    assert far["degree"] == 2 and far["component_size"] == 3  # cheap measures stay whole-graph
