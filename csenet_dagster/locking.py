"""One writer at a time on a warehouse's working database.

DuckDB lets one process at a time open a file for writing; a second one fails
at once with a lock error. Runs and the failure auditor therefore take this
file lock (next to the working database) and *wait* for each other instead.
Within one process the lock is re-entrant (a run's steps and its own audit
write share it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock

from csenet_dagster import settings

# A run waits this long for another run holding the working database before giving up
# with a clear error (a full 1M-record refresh takes minutes); setting
# ``ops.working_db_lock_timeout_seconds`` (the run's resource passes it).
DEFAULT_TIMEOUT_SECONDS = 3600.0


class WorkingDbBusy(RuntimeError):
    """Another run held the working database for longer than the configured wait."""


def lock_path(work_db: Path | str | None = None) -> Path:
    """``work.duckdb.lock`` next to the working database (default: this environment's)."""
    target = Path(work_db) if work_db is not None else settings.paths().work_db
    return target.with_name(target.name + ".lock")


@contextmanager
def working_db_lock(
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    work_db: Path | str | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the working database's lock for the block, waiting for another holder first
    (``on_wait`` is told once, with a sentence for the operator, when it has to wait)."""
    path = lock_path(work_db)
    path.parent.mkdir(parents=True, exist_ok=True)
    # One lock object per path and process (is_singleton), shared across threads,
    # so nested use in the same process re-enters instead of waiting on itself.
    lock = filelock.FileLock(str(path), thread_local=False, is_singleton=True)
    try:
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            if on_wait is not None:
                on_wait(
                    f"another csenet run holds the warehouse (lock file {path}); this run waits for it "
                    f"(up to {timeout_seconds:.0f} s) and starts when it has finished"
                )
            lock.acquire(timeout=timeout_seconds)
    except filelock.Timeout as exc:
        raise WorkingDbBusy(
            f"the working database is in use by another csenet run (lock file {path}); "
            f"gave up after {timeout_seconds:.0f} s"
        ) from exc
    try:
        yield
    finally:
        lock.release()
