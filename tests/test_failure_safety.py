"""Failure safety of a whole run: a run killed mid-pipeline, runs started concurrently and an
analyst holding analyst.duckdb open never damage the published file or block the next run."""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import duckdb
import pytest

from conftest import Workspace, use_workspace

CSENET = str(Path(sys.executable).parent / "csenet")
# `csenet run` prints one line per finished asset: "  <stage>  <schema>/<table>  <seconds>s ..."
STEP_LINE = re.compile(r"^\s+(ingest|resolve|network|harm|publish)\s+\S+/\S+\s+\d")
# An analyst's session: opens analyst.duckdb the way DuckDB does by default (read-write,
# which locks the file against every other process), reads, and keeps it open.
ANALYST = textwrap.dedent(
    """
    import sys, duckdb
    conn = duckdb.connect(sys.argv[1])
    print(conn.sql("SELECT count(*) FROM nominal").fetchall()[0][0], flush=True)
    for line in sys.stdin:
        print(conn.sql("SELECT count(*) FROM nominal").fetchall()[0][0], flush=True)
    """
)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def published_copy(small_run: Workspace, dest: Path) -> Workspace:
    """A workspace holding the small delivery and the warehouse of its published run."""
    ws = Workspace(dest)
    shutil.copytree(small_run.landing, ws.landing)
    shutil.copytree(small_run.warehouse, ws.warehouse, symlinks=True)  # analyst.duckdb, exports -> current/
    ws.corrections.mkdir(parents=True)
    return ws


class Lines:
    """A subprocess's stdout lines, read in the background (so the test can wait on them)."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.seen: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.process.stdout:
            self._queue.put(line)

    def wait_for(self, pattern: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.5)
            except queue.Empty:
                if self.process.poll() is not None and self._queue.empty():
                    break
                continue
            self.seen.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no line matching {pattern!r} within {timeout:.0f} s; last lines: {self.seen[-5:]}")

    def drain(self) -> str:
        while not self._queue.empty():
            self.seen.append(self._queue.get())
        return "".join(self.seen)


def csenet_run(ws: Workspace) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSENET_") and k != "DAGSTER_HOME"}
    env.update(
        CSENET_LANDING_DIR=str(ws.landing),
        CSENET_WAREHOUSE_DIR=str(ws.warehouse),
        CSENET_CORRECTIONS_DIR=str(ws.corrections),
        PYTHONUNBUFFERED="1",
        # This checkout's code, also when the venv's editable install points at another.
        PYTHONPATH=os.pathsep.join(filter(None, [str(Path(__file__).resolve().parent.parent), os.environ.get("PYTHONPATH")])),
    )
    return subprocess.Popen(
        [CSENET, "run"], env=env, cwd=ws.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def published_tables(path: Path) -> dict[str, list[tuple]]:
    conn = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in conn.sql("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        return {name: conn.sql(f"SELECT * FROM {name}").fetchall() for name in names}
    finally:
        conn.close()


def test_killed_run_concurrent_run_and_open_analyst_file(small_run, tmp_path):
    ws = published_copy(small_run, tmp_path / "ws")
    before = digest(ws.analyst_db)
    previous = published_tables(ws.analyst_db)

    analyst = subprocess.Popen(
        [sys.executable, "-c", ANALYST, str(ws.analyst_db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    first = second = None
    try:
        n_nominals = int(analyst.stdout.readline())

        # Run 1 gets past ingest, then run 2 starts on the same warehouse: it must wait
        # for run 1 (one writer per DuckDB file), not fail on the database lock.
        first = csenet_run(ws)
        first_lines = Lines(first)
        first_lines.wait_for(r"^\s+resolve\s+er/", timeout=400)
        second = csenet_run(ws)
        second_lines = Lines(second)
        second_lines.wait_for(r"^csenet run:", timeout=120)
        # It says that it waits, and why.
        second_lines.wait_for(r"another csenet run holds the warehouse .* waits for it", timeout=120)
        time.sleep(3)
        assert first.poll() is None, "run 1 ended before it could be killed mid-pipeline"
        assert not any(STEP_LINE.match(line) for line in second_lines.drain().splitlines()), "run 2 did not wait"

        # Run 1 is killed outright in the middle of the pipeline.
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        assert digest(ws.analyst_db) == before, "a killed run changed analyst.duckdb"
        analyst.stdin.write("again\n")
        analyst.stdin.flush()
        assert int(analyst.stdout.readline()) == n_nominals

        # Run 2 then takes the warehouse over and completes, the analyst still holding the old file.
        second_lines.wait_for(r"succeeded", timeout=600)
        assert second.wait(timeout=60) == 0, second_lines.drain()[-3000:]
        analyst.stdin.write("again\n")
        analyst.stdin.flush()
        assert int(analyst.stdout.readline()) == n_nominals  # the old (replaced) file, still readable
    finally:
        for process in (first, second, analyst):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()

    assert digest(ws.analyst_db) != before
    with duckdb.connect(str(ws.analyst_db), read_only=True) as conn:
        latest = conn.sql("SELECT trigger, status FROM run_history ORDER BY recorded_at DESC LIMIT 1").fetchall()
    assert latest == [("cli", "published")]
    assert_same_delivery_same_tables(small_run.analyst_db, ws.analyst_db)


# Columns that describe a run relative to the one published before it, so a second run of
# one delivery in one warehouse rightly differs there ('new' -> 'kept', previous ranks).
RELATIVE_TO_PREVIOUS = {
    # code_version: `git describe` of the checkout, which may move on between the two runs.
    "run": {"run_id", "trigger", "ran_at", "code_version", "settings"},
    "nominal_change": {"change", "previous_nominal_ids", "n_records_previously_published"},
    "network": {"id_status", "previous_rank", "rank_change"},
}
def assert_same_delivery_same_tables(first: Path, second: Path) -> None:
    """Every published table of two runs of the same delivery is identical (row order too),
    except run_history and the columns relative to the previous run."""
    a = duckdb.connect(str(first), read_only=True)
    b = duckdb.connect(str(second), read_only=True)
    try:
        tables = [r[0] for r in a.sql("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        assert tables == [r[0] for r in b.sql("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        for table in tables:
            if table == "run_history":
                continue
            columns = [r[0] for r in a.sql(f"DESCRIBE {table}").fetchall()]
            exact = [c for c in columns if c not in RELATIVE_TO_PREVIOUS.get(table, set())]
            query = f"SELECT {', '.join(exact)} FROM {table}"
            assert a.sql(query).fetchall() == b.sql(query).fetchall(), table
            if table == "run":
                [(settings_a,)], [(settings_b,)] = (c.sql("SELECT settings FROM run").fetchall() for c in (a, b))
                assert json.loads(settings_a) == json.loads(settings_b)
    finally:
        a.close()
        b.close()
