"""Files the product writes for analysts outside analyst.duckdb: owner-only by default.

Exports, dossiers, the warehouse folder and the working database hold names,
dates of birth and intelligence, so every one is created private from its first
byte and then given the force's ``publish.file_mode``. During a run, paths under
``exports/`` are redirected into the run's folder (``run_folder.staged``) and
published with its analyst.duckdb in one switch.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from csenet_dagster import run_folder, settings

# Every process that writes (CLI, code server, run workers) creates files owner-only.
PRIVATE_UMASK = 0o077
# Default of ``publish.file_mode``: the files hold person data; a force that serves
# analysts through a group sets "0640".
DEFAULT_FILE_MODE = "0600"


def private_umask() -> None:
    """Owner-only from the first byte for everything this process creates from now on."""
    os.umask(PRIVATE_UMASK)


def file_mode_bits(file_mode: str) -> int:
    """Permission bits of an octal ``publish.file_mode`` string, refused when it is not one."""
    try:
        mode = int(file_mode, 8)
    except ValueError as exc:
        raise ValueError(f"publish.file_mode must be an octal string such as '0600', got {file_mode!r}") from exc
    if mode & ~0o777:
        raise ValueError(f"publish.file_mode must only hold permission bits (<= 0777), got {file_mode!r}")
    return mode


def private_file_mode() -> int:
    """Permission bits of every file the product writes for analysts (``publish.file_mode``).

    Read by name: the floor cannot import the publish stage's section class, which
    declares the field with this module's default and parser (``publish/config.py``)."""
    return file_mode_bits(str(settings.section_value("publish", "file_mode", DEFAULT_FILE_MODE)))


def _folder_mode(mode: int) -> int:
    # Search bits wherever a class may read: 0600 -> 0700, 0640 -> 0750.
    return mode | ((mode & 0o444) >> 2)


def private_dir(path: Path) -> Path:
    """Create ``path`` (with parents) and give it ``publish.file_mode`` plus search bits
    wherever a class may read (0600 -> 0700, 0640 -> 0750), also when it already exists.

    During a run, a folder under ``exports/`` is created in the run's staging folder
    instead (``run_folder.staged``) and that path is returned: everything a run
    exports is published together with its analyst.duckdb, in one switch.
    """
    path = run_folder.staged(Path(path))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, _folder_mode(private_file_mode()))
    return path


def write_private_file(path: Path, write: Callable[[Path], Any]) -> Path:
    """``write(temp)`` beside ``path`` in a private folder, then rename over ``path``.

    The temporary file is created owner-only before ``write`` opens it, so exports
    (which rest on intelligence) are never readable by others, not even half-written.
    During a run, ``path`` under ``exports/`` is staged in the run's folder (see
    ``private_dir``); the staged path is returned.
    """
    path = run_folder.staged(Path(path))
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
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, _folder_mode(private_file_mode()))
    return folder


def restrict_working_db(work_db: Path) -> None:
    """work.duckdb (and its WAL) owner-only, whatever mode an older version created it with."""
    for path in (work_db, work_db.with_name(work_db.name + ".wal")):
        if path.exists():
            os.chmod(path, 0o600)
