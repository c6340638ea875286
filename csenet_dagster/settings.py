"""Where things live, and the documented tunable settings of every stage.

Paths come from environment variables (documented in the README). Each stage
keeps its own settings in a frozen dataclass in its own package; a force can
override any of them in a JSON file named by ``CSENET_SETTINGS_FILE``, with one
object per section, e.g. ``{"network": {"intel_source_evals": ["1", "2"]}}``.
The settings actually used are recorded in ``analyst.run`` for every run.
"""

from __future__ import annotations

import dataclasses
import json
import os
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
    sql_dir: Path

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
        sql_dir=_env_path("CSENET_SQL_DIR", str(REPO_ROOT / "sql")),
    )


def _overrides() -> dict[str, Any]:
    file = os.environ.get("CSENET_SETTINGS_FILE")
    if not file:
        return {}
    try:
        return json.loads(Path(file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"settings file {file} cannot be read as JSON: {exc}") from exc


_SECTIONS: dict[str, type] = {}


def section(name: str):
    """Class decorator: registers a stage's settings dataclass under ``name``."""

    def register(cls: type[T]) -> type[T]:
        _SECTIONS[name] = cls
        cls._section_name = name  # type: ignore[attr-defined]
        return cls

    return register


def load(cls: type[T]) -> T:
    """The stage's settings with any overrides from CSENET_SETTINGS_FILE applied."""
    name = cls._section_name  # type: ignore[attr-defined]
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


# The pipeline's sections and the module defining each. analyst.run records exactly
# these, imported here so the record never depends on what else happens to be loaded.
PIPELINE_SECTIONS = {
    "harm": "csenet_dagster.harm.config",
    "ingest": "csenet_dagster.ingest.config",
    "network": "csenet_dagster.network.network_settings",
    "ops": "csenet_dagster.ops.config",
    "publish": "csenet_dagster.publish.config",
    "resolve": "csenet_dagster.resolve.config",
    "review": "csenet_dagster.publish.review_config",
}
# Sections of tools that are not part of a run (the synthetic-data generator).
TOOL_SECTIONS = ("generator",)


def all_settings() -> dict[str, dict[str, Any]]:
    """Every pipeline section as used by this run (for analyst.run and the audit)."""
    import importlib

    for module in PIPELINE_SECTIONS.values():
        importlib.import_module(module)
    return {name: dataclasses.asdict(load(_SECTIONS[name])) for name in sorted(PIPELINE_SECTIONS)}
