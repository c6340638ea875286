"""Shared fixtures: isolated folders, generated deliveries with truth, pipeline runs.

Generated deliveries are cached per (people, seed) for the whole session, so
every test that needs "a small delivery" pays for generation once.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ENV_VARS = ("CSENET_LANDING_DIR", "CSENET_WAREHOUSE_DIR", "CSENET_CORRECTIONS_DIR", "CSENET_SETTINGS_FILE")

SMALL_PEOPLE = 600
SMALL_SEED = 11


@dataclass(frozen=True)
class Workspace:
    """One isolated product install: landing, warehouse, corrections, truth."""

    root: Path

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def truth(self) -> Path:
        return self.root / "truth"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse"

    @property
    def corrections(self) -> Path:
        return self.root / "corrections"

    @property
    def analyst_db(self) -> Path:
        return self.warehouse / "analyst.duckdb"

    @property
    def work_db(self) -> Path:
        return self.warehouse / "work.duckdb"

    @property
    def dagster_home(self) -> Path:
        """DAGSTER_HOME of a persistent instance (``small_run`` records its run there)."""
        return self.root / "dagster_home"

    def deliveries(self) -> list[Path]:
        return sorted(p for p in self.landing.iterdir() if p.is_dir())


@contextmanager
def use_workspace(ws: Workspace) -> Iterator[Workspace]:
    """Point the product's environment variables at ``ws`` for the duration."""
    saved = {k: os.environ.get(k) for k in ENV_VARS}
    os.environ["CSENET_LANDING_DIR"] = str(ws.landing)
    os.environ["CSENET_WAREHOUSE_DIR"] = str(ws.warehouse)
    os.environ["CSENET_CORRECTIONS_DIR"] = str(ws.corrections)
    os.environ.pop("CSENET_SETTINGS_FILE", None)
    for p in (ws.landing, ws.warehouse, ws.corrections):
        p.mkdir(parents=True, exist_ok=True)
    try:
        yield ws
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    """Factory: a generated delivery + truth for (people, seed), cached per session.

    Returns the folder holding `landing/<delivery_id>/` and `truth/`; copy it
    (``clone_workspace``) before writing anything next to it.
    """
    from csenet_dagster.generator import generate

    cache: dict[tuple[int, int], Path] = {}

    def make(people: int = SMALL_PEOPLE, seed: int = SMALL_SEED) -> Path:
        if (people, seed) not in cache:
            out = tmp_path_factory.mktemp(f"gen_{people}_{seed}")
            generate(out, people=people, seed=seed)
            cache[(people, seed)] = out
        return cache[(people, seed)]

    return make


def clone_workspace(source: Path, dest: Path) -> Workspace:
    """A fresh workspace holding a copy of a generated landing folder and truth."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source / "landing", dest / "landing")
    if (source / "truth").exists():
        shutil.copytree(source / "truth", dest / "truth")
    return Workspace(dest)


@pytest.fixture
def workspace(tmp_path, generated) -> Iterator[Workspace]:
    """A private workspace with the small generated delivery, env pointed at it."""
    ws = clone_workspace(generated(), tmp_path / "ws")
    with use_workspace(ws):
        yield ws


@pytest.fixture
def empty_workspace(tmp_path) -> Iterator[Workspace]:
    ws = Workspace(tmp_path / "ws")
    with use_workspace(ws):
        yield ws


@pytest.fixture(scope="session")
def small_run(tmp_path_factory, generated) -> Workspace:
    """The small delivery run once through the whole pipeline (read-only for tests)."""
    from csenet_dagster.pipeline import run_pipeline

    ws = clone_workspace(generated(), tmp_path_factory.mktemp("small_run"))
    with use_workspace(ws), persistent_instance(ws) as instance:
        run_pipeline(instance=instance)
    return ws


@contextmanager
def persistent_instance(ws: Workspace) -> Iterator:
    """A DagsterInstance stored in ``ws.dagster_home`` with the deployment's dagster.yaml,
    so what Dagster recorded for a run can be read back (privacy scan, UI test)."""
    import dagster as dg

    ws.dagster_home.mkdir(parents=True, exist_ok=True)
    shutil.copy(Path(__file__).resolve().parent.parent / "dagster_home" / "dagster.yaml", ws.dagster_home)
    instance = dg.DagsterInstance.from_config(str(ws.dagster_home))
    try:
        yield instance
    finally:
        instance.dispose()


QUALITY_PEOPLE = 20000
QUALITY_SEED = 5


@pytest.fixture(scope="session")
def quality_pipeline_run(tmp_path_factory, generated) -> Workspace:
    """The quality-size delivery (20,000 people, seed 5) run once through the whole
    pipeline, shared by every stage's slow quality tests (read-only)."""
    from csenet_dagster.pipeline import run_pipeline

    ws = clone_workspace(generated(QUALITY_PEOPLE, QUALITY_SEED), tmp_path_factory.mktemp("quality_run"))
    with use_workspace(ws):
        run_pipeline()
    return ws


# Column types of the published tables the prev snapshot reads (everything else VARCHAR).
_PREVIOUS_RUN_TYPES = {"priority_rank": "BIGINT", "max_issued": "BIGINT"}


def complete_previous_run(analyst_db: Path) -> Path:
    """Give a hand-made 'previous published run' every table the prev snapshot needs:
    tables the test did not write are added empty (a real analyst.duckdb has them all,
    and the snapshot refuses a file that lacks one)."""
    import duckdb

    from csenet_dagster import db
    from csenet_dagster.previous.snapshot import REQUIRED_COLUMNS

    conn = duckdb.connect(str(analyst_db), config=dict(db.CONNECTION_CONFIG))
    try:
        present = {row[0] for row in conn.sql("SELECT table_name FROM duckdb_tables()").fetchall()}
        for table, columns in REQUIRED_COLUMNS.items():
            if table not in present:
                typed = ", ".join(f"{c} {_PREVIOUS_RUN_TYPES.get(c, 'VARCHAR')}" for c in columns)
                conn.execute(f"CREATE TABLE {table} ({typed})")
    finally:
        conn.close()
    return analyst_db


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (``make test`` runs two workers with ``--dist loadgroup``) a group runs
    on one worker, so a module- or session-scoped run is made once, not once per worker: each test
    module is a group (its module fixtures are whole pipeline runs), and every test of the
    20,000-person run is one group across modules. The other worker meanwhile takes other groups."""
    for item in items:
        if "quality_pipeline_run" in getattr(item, "fixturenames", ()):
            group = "quality_pipeline_run"
        else:
            group = item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group(group))
