"""The warehouse lock: a second process waits (or gives up clearly), one process re-enters."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from csenet_dagster.locking import WorkingDbBusy, lock_path, working_db_lock

HOLD = textwrap.dedent(
    """
    import sys, time
    from csenet_dagster.locking import working_db_lock
    with working_db_lock():
        print("held", flush=True)
        time.sleep(float(sys.argv[1]))
    """
)


def _hold_in_other_process(seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(seconds)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_another_process_is_waited_for_then_given_up_on_clearly(empty_workspace):
    holder = _hold_in_other_process(30)
    try:
        with pytest.raises(WorkingDbBusy, match="in use by another csenet run"):
            with working_db_lock(timeout_seconds=0.5):
                pass
    finally:
        holder.kill()
        holder.wait()
    # The OS frees the lock of a killed holder: nothing is left to clean up by hand.
    with working_db_lock(timeout_seconds=5):
        assert lock_path().exists()


def test_waits_for_a_short_holder(empty_workspace):
    holder = _hold_in_other_process(1.5)
    started = time.monotonic()
    with working_db_lock(timeout_seconds=30):
        waited = time.monotonic() - started
    holder.wait()
    assert 0.5 < waited < 30


def test_reentrant_in_one_process(empty_workspace):
    with working_db_lock(timeout_seconds=1):
        with working_db_lock(timeout_seconds=1):
            pass
