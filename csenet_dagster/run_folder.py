"""One run's files staged together, then published in one atomic switch.

Layout of ``$CSENET_WAREHOUSE_DIR`` (docs/operations.md, "What is published when"):

    work.duckdb, work.duckdb.lock    the pipeline's own state (never read by analysts)
    deliveries.json                  deliveries processed (published), for the sensor and ingest
    runs/<run_id>/                   one run's files: analyst.duckdb, exports/ (GraphML, i2, dossiers),
                                     and while ingest runs, delivery/<delivery_id>/ (verified copy)
    current -> runs/<run_id>         THE publication pointer: a relative symlink, swapped atomically
    analyst.duckdb -> current/analyst.duckdb   fixed symlinks at the contract's paths,
    exports -> current/exports                 never rewritten once made

A run writes only into its own ``runs/<run_id>/`` (``files.private_dir`` and
``files.write_private_file`` redirect every path under ``exports/`` there while a run is
active). ``publish/analyst_db`` writes ``analyst.duckdb`` there too, then replaces
``current`` with ``os.replace`` (rename(2): atomic), so a reader opening
``analyst.duckdb`` or anything under ``exports/`` sees the previous run's set or the
new one, never a mix. A failed or killed run leaves only its own folder, which the
next run removes. Superseded folders are removed after the switch (a reader
holding an old file open keeps reading it: unlinked files live until closed).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
from pathlib import Path

from csenet_dagster import settings

RUNS = "runs"
CURRENT = "current"
EXPORTS = "exports"
ANALYST_FILE = "analyst.duckdb"
DELIVERY_COPY = "delivery"
# Test hook: ``CSENET_KILL_AT=<point>`` makes the process SIGKILL itself at that point
# (kill points are named in docs/operations.md); never set in production.
KILL_ENV = "CSENET_KILL_AT"
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

# The run whose files are being staged in this process (None outside a run). One run
# at a time per process: runs take the warehouse lock for their whole execution.
_active_run: str | None = None
_active_publishes = True


def warehouse() -> Path:
    return settings.paths().warehouse_dir


def runs_dir() -> Path:
    return warehouse() / RUNS


def run_dir(run_id: str) -> Path:
    if not _RUN_ID.match(run_id):
        raise ValueError(f"run id {run_id!r} cannot name a run folder")
    return runs_dir() / run_id


def delivery_copy_dir(run_id: str) -> Path:
    """Where ingest keeps its verified private copy of the delivery being loaded."""
    return run_dir(run_id) / DELIVERY_COPY


def private_folder(path: Path, mode: int = 0o700) -> Path:
    """``path`` created (with parents) and set to ``mode``."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, mode)
    return path


def kill_point(name: str) -> None:
    """Test hook: die here, as a crash or `kill -9` would, when CSENET_KILL_AT names this point."""
    if os.environ.get(KILL_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


# --- staging --------------------------------------------------------------------------


def begin(run_id: str, publishes: bool = True) -> Path | None:
    """Start staging the files of this process's run in ``runs/<run_id>/``; remove leftovers
    of killed or failed runs (any run folder that ``current`` does not point at).

    A run that will not publish (a selection of assets materialised by hand, a stage's
    tests) stages only when a published set exists, so it can never write into the
    published ``exports/``; its folder is kept for inspection until the next run starts.
    Without a published set it writes to the given paths as they are.
    """
    global _active_run, _active_publishes
    remove_unpublished(keep=run_id)
    if not publishes and published_run() is None:
        _active_run = None
        return None
    folder = private_folder(run_dir(run_id))
    _active_run, _active_publishes = run_id, publishes
    return folder


def end(run_id: str) -> None:
    """The run is over: a publishing run's folder goes unless it was published."""
    global _active_run
    if _active_run != run_id:
        return
    _active_run = None
    if _active_publishes and published_run() != run_id:
        shutil.rmtree(run_dir(run_id), ignore_errors=True)


def active_run() -> str | None:
    return _active_run


def staged(path: Path) -> Path:
    """Where a file meant for ``exports/...`` is written during the active run
    (``runs/<run_id>/exports/...``); other paths, and every path outside a run, unchanged."""
    if _active_run is None:
        return path
    path = Path(path)
    stage = run_dir(_active_run)
    if path == stage or stage in path.parents:
        return path
    exports = warehouse() / EXPORTS
    if path == exports or exports in path.parents:
        return stage / EXPORTS / path.relative_to(exports)
    return path


# --- publication ----------------------------------------------------------------------


def published_run() -> str | None:
    """The run id ``current`` points at (None when nothing is published this way)."""
    pointer = warehouse() / CURRENT
    if not pointer.is_symlink():
        return None
    target = Path(os.readlink(pointer))
    return target.name if target.parent == Path(RUNS) else None


def _symlink_over(link: Path, target: str) -> None:
    """Make ``link`` a symlink to ``target`` in one rename (atomic for readers)."""
    temp = link.with_name(f".{link.name}.new")
    if temp.is_symlink() or temp.exists():
        temp.unlink()
    os.symlink(target, temp)
    os.replace(temp, link)


def _fixed_link(name: str) -> None:
    """``analyst.duckdb`` / ``exports`` as a symlink into ``current`` (made once).

    An older layout (a real file or folder there, or one copied without its
    symlinks) is replaced: a file in one rename; a folder is moved aside first,
    so for that one switch ``exports/`` is briefly absent, never mixed.
    """
    link = warehouse() / name
    wanted = f"{CURRENT}/{name}"
    if link.is_symlink() and os.readlink(link) == wanted:
        return
    if link.is_dir() and not link.is_symlink():
        aside = runs_dir() / f"old-{name}"
        shutil.rmtree(aside, ignore_errors=True)
        os.replace(link, aside)
    _symlink_over(link, wanted)


def switch(run_id: str) -> None:
    """Publish ``runs/<run_id>/``: point ``current`` at it in one atomic rename."""
    folder = run_dir(run_id)
    if not (folder / ANALYST_FILE).is_file():
        raise RuntimeError(f"publish: run folder of {run_id} holds no {ANALYST_FILE}; nothing switched")
    if (folder / DELIVERY_COPY).exists():
        raise RuntimeError(f"publish: run folder of {run_id} still holds the delivery copy; nothing switched")
    private_folder(folder / EXPORTS)
    pointer = warehouse() / CURRENT
    if pointer.exists() and not pointer.is_symlink():
        # A copy of the warehouse made without symlinks: its `current` is a real folder.
        aside = runs_dir() / "old-current"
        shutil.rmtree(aside, ignore_errors=True)
        os.replace(pointer, aside)
    fsync(folder)
    _symlink_over(pointer, f"{RUNS}/{run_id}")
    fsync(warehouse())
    kill_point("publish:after_pointer")
    for name in (ANALYST_FILE, EXPORTS):
        _fixed_link(name)
    fsync(warehouse())


def remove_unpublished(keep: str | None = None) -> list[str]:
    """Remove every run folder except the published one (and ``keep``); returns their names."""
    folder = runs_dir()
    if not folder.is_dir():
        return []
    current = published_run()
    removed = []
    for child in sorted(folder.iterdir()):
        if child.name in (current, keep):
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
        removed.append(child.name)
    return removed


def fsync(path: Path) -> None:
    """Flush a file's (or a folder's entries') writes to disk before a switch relies on them."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
