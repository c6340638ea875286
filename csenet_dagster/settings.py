"""Where things live, and the documented tunable settings of every stage.

Paths come from environment variables (documented in the README). Each stage
keeps its own settings in a frozen dataclass in its own package; a force can
override any of them in a JSON file named by ``CSENET_SETTINGS_FILE``, with one
object per section, e.g. ``{"network": {"intel_source_evals": ["1", "2"]}}``.

A run reads that file once, when it starts (``run_snapshot``, taken by the run's
resource): every ``load`` inside the run returns the values of that moment, and
``analyst.run`` records exactly them, even if the file changes while the run goes on.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

REPO_ROOT = Path(__file__).resolve().parent.parent

T = TypeVar("T")


def _env_path(name: str, default: str) -> Path:
    value = os.environ.get(name) or default
    path = Path(value)
    return path if path.is_absolute() else (Path.cwd() / path)


@dataclass(frozen=True)
class Paths:
    landing_dir: Path
    warehouse_dir: Path
    corrections_dir: Path

    @property
    def work_db(self) -> Path:
        """The pipeline's own working database (never read by analysts)."""
        return self.warehouse_dir / "work.duckdb"

    @property
    def analyst_db(self) -> Path:
        """The published analyst file, replaced atomically by each run."""
        return self.warehouse_dir / "analyst.duckdb"

    @property
    def exports_dir(self) -> Path:
        """GraphML, i2 CSV and dossiers of the latest run."""
        return self.warehouse_dir / "exports"


def paths() -> Paths:
    """Read on every call so tests and the CLI can point at other folders."""
    return Paths(
        landing_dir=_env_path("CSENET_LANDING_DIR", "data/landing"),
        warehouse_dir=_env_path("CSENET_WAREHOUSE_DIR", "data/warehouse"),
        corrections_dir=_env_path("CSENET_CORRECTIONS_DIR", "data/corrections"),
    )


SETTINGS_FILE_ENV = "CSENET_SETTINGS_FILE"


def read_overrides() -> dict[str, Any]:
    """What the settings file holds now (no file: no overrides)."""
    file = os.environ.get(SETTINGS_FILE_ENV)
    if not file:
        return {}
    try:
        return json.loads(Path(file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"settings file {file} cannot be read as JSON: {exc}") from exc


@dataclass(frozen=True)
class RunSnapshot:
    """The settings of one run, read once at its start."""

    file: str | None  # CSENET_SETTINGS_FILE at the start (None: defaults only)
    overrides: dict[str, Any]  # what the file held then
    used: dict[str, dict[str, Any]]  # every pipeline section's values as the run uses them


# The run in progress in this process (one at a time: a run holds the warehouse lock).
_snapshot: RunSnapshot | None = None


def _overrides() -> dict[str, Any]:
    return _snapshot.overrides if _snapshot is not None else read_overrides()


@contextmanager
def run_snapshot(resolve: Callable[[], dict[str, dict[str, Any]]]) -> Iterator[RunSnapshot]:
    """Read the settings file once for the block (a run): every ``load`` inside returns its values.

    ``resolve`` gives every pipeline section's values (ops knows the sections; the floor
    does not); called once the file is pinned, it also refuses a bad file at the run's start.
    """
    global _snapshot
    outer = _snapshot
    overrides = read_overrides()
    _snapshot = RunSnapshot(os.environ.get(SETTINGS_FILE_ENV), overrides, {})
    try:
        _snapshot = RunSnapshot(_snapshot.file, overrides, resolve())
        yield _snapshot
    finally:
        _snapshot = outer


def current_run_snapshot() -> RunSnapshot | None:
    """The settings of the run in progress (None outside a run)."""
    return _snapshot


_SECTIONS: dict[str, type] = {}


def section(name: str):
    """Class decorator: registers a stage's settings dataclass under ``name``."""

    def register(cls: type[T]) -> type[T]:
        _SECTIONS[name] = cls
        cls._section_name = name  # type: ignore[attr-defined]
        return cls

    return register


def section_name(cls: type) -> str:
    return cls._section_name  # type: ignore[attr-defined]


def load(cls: type[T]) -> T:
    """The stage's settings with any overrides from CSENET_SETTINGS_FILE applied
    (inside a run: as the file was when the run started)."""
    name = section_name(cls)
    values = _overrides().get(name, {})
    known = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"settings section '{name}' has unknown keys: {', '.join(unknown)}")
    converted = {
        key: tuple(value) if isinstance(value, list) else value for key, value in values.items()
    }
    return cls(**converted)


def section_value(name: str, key: str, default: Any) -> Any:
    """One field of a section, for a floor module that may not import the stage declaring it
    (``files`` reads ``publish.file_mode``); the stage's own ``load`` validates the section."""
    return _overrides().get(name, {}).get(key, default)
