"""The package's import graph: no circles, and nothing imports upwards (docs/DESIGN.md, "Layers").

Read from the source with ``ast`` (function-level imports included), so a lazy import
that would close a circle or reach up a layer fails here as surely as a top-level one.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from csenet_dagster.ops import run_settings

PACKAGE = "csenet_dagster"
PACKAGE_DIR = Path(__file__).resolve().parent.parent / PACKAGE

# Layers, lowest first. A module may import its own layer's modules (a stage its own
# package) and any lower layer, never a higher one, and never a later stage.
FLOOR = {
    f"{PACKAGE}.{name}"
    for name in (
        "assets_common", "corrections_file", "db", "deliveries", "files", "ids", "locking",
        "redact", "reference_files", "run_folder", "safe_text", "settings", "sql_checks",
    )
} | {PACKAGE}
STAGES = ("ingest", "previous", "resolve", "network", "harm", "publish")
TOP = {f"{PACKAGE}.{name}" for name in ("definitions", "pipeline", "cli")}
# Tools beside the pipeline, never imported by it except by the CLI (the synthetic-data generator).
TOOLS = (f"{PACKAGE}.generator",)
# A settings section is a declaration (a frozen dataclass) and imports only the floor.
SECTIONS = {cls.__module__ for cls in run_settings.SECTION_CLASSES}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE_DIR.rglob("*.py")}


def imported(name: str, path: Path, source: str | None = None) -> set[str]:
    """Every package module ``name`` (at ``path``; its text is ``source`` or the file's) imports,
    at any depth of its code."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source if source is not None else path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from pkg import mod` imports the module pkg.mod, `from mod import name` the module mod.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target.startswith(PACKAGE) and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    """Import edges, plus the package ``__init__`` Python runs when a module of another package is imported."""
    edges: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        targets = imported(name, path)
        own_package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for target in list(targets):
            parent = target.rpartition(".")[0]
            while parent and parent != PACKAGE:
                if not (own_package == parent or own_package.startswith(parent + ".")):
                    targets.add(parent)
                parent = parent.rpartition(".")[0]
        edges[name] = targets
    return edges


def rank(name: str) -> tuple[int, str]:
    """(layer, group): 0 floor, 1.. the stages in pipeline order, then ops, the top and tools."""
    if name in FLOOR:
        return 0, "floor"
    for i, stage in enumerate(STAGES, start=1):
        if name == f"{PACKAGE}.{stage}" or name.startswith(f"{PACKAGE}.{stage}."):
            return i, stage
    if name == f"{PACKAGE}.ops" or name.startswith(f"{PACKAGE}.ops."):
        return len(STAGES) + 1, "ops"
    if name in TOP:
        return len(STAGES) + 2, "top"
    if any(name == tool or name.startswith(tool + ".") for tool in TOOLS):
        return len(STAGES) + 2, "tool"
    raise AssertionError(f"{name} has no layer: add it to FLOOR, a stage, ops, TOP or TOOLS")


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    trail: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        trail.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                return trail[trail.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node] = 2
        trail.pop()
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def upward_imports(edges: dict[str, set[str]]) -> list[str]:
    wrong = []
    for name, targets in sorted(edges.items()):
        layer, group = rank(name)
        for target in sorted(targets):
            target_layer, target_group = rank(target)
            if name in SECTIONS or group == "floor":
                allowed = target_layer == 0
            else:
                allowed = target_layer < layer or target_group == group
                # the CLI runs the pipeline and the generator; nothing below the top imports the top
                allowed = allowed or (group == "top" and target_group == "tool")
            if not allowed:
                wrong.append(f"{name} -> {target}")
    return wrong


def test_every_module_has_a_layer():
    for name in MODULES:
        rank(name)


def test_the_package_has_no_import_circle():
    assert find_cycle(graph()) is None, " -> ".join(find_cycle(graph()))


def test_no_module_imports_up_a_layer_or_into_a_later_stage():
    assert upward_imports(graph()) == []


def test_the_definitions_are_imported_only_by_the_runner():
    importers = sorted(name for name, targets in graph().items() if f"{PACKAGE}.definitions" in targets)
    assert importers == [f"{PACKAGE}.pipeline"]


@pytest.mark.parametrize(
    "edges, expected",
    [
        # a lazy import that closes a circle is one
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
        ({"a": {"b"}, "b": set(), "c": {"a"}}, None),
    ],
)
def test_the_circle_finder_finds_circles(edges, expected):
    assert find_cycle(edges) == expected


def test_the_rules_catch_what_they_forbid():
    """The checker itself: an upward import of each kind is reported, downward ones are not."""
    edges = {
        f"{PACKAGE}.files": {f"{PACKAGE}.publish.config"},  # floor into a stage's section
        f"{PACKAGE}.network.assets": {f"{PACKAGE}.harm.scoring", f"{PACKAGE}.harm.config", f"{PACKAGE}.db"},
        f"{PACKAGE}.harm.scoring": {f"{PACKAGE}.network.graph"},
        f"{PACKAGE}.ops.sensor": {f"{PACKAGE}.pipeline"},
        f"{PACKAGE}.harm.config": {f"{PACKAGE}.harm.weights"},  # a section beyond the floor
    }
    assert upward_imports(edges) == [
        f"{PACKAGE}.files -> {PACKAGE}.publish.config",
        f"{PACKAGE}.harm.config -> {PACKAGE}.harm.weights",
        f"{PACKAGE}.network.assets -> {PACKAGE}.harm.config",
        f"{PACKAGE}.network.assets -> {PACKAGE}.harm.scoring",
        f"{PACKAGE}.ops.sensor -> {PACKAGE}.pipeline",
    ]


def test_function_level_and_relative_imports_are_read():
    source = (
        "import csenet_dagster.db\n"
        "def f():\n    from csenet_dagster.definitions import build_definitions\n"
        "def g():\n    from . import sensor\n    from ..publish.audit import TRIGGER_TAG\n"
    )
    found = imported(f"{PACKAGE}.ops.job", PACKAGE_DIR / "ops" / "job.py", source)
    assert found == {f"{PACKAGE}.db", f"{PACKAGE}.definitions", f"{PACKAGE}.ops.sensor", f"{PACKAGE}.publish.audit"}


def test_frames_reach_sql_only_through_db_registered():
    """One idiom for handing a frame to SQL (db.registered: always unregistered after)."""
    by_hand = re.compile(r"conn\.(?:un)?register\(")  # a DuckDB connection's own register/unregister
    callers = sorted(
        name for name, path in MODULES.items()
        if name != f"{PACKAGE}.db" and by_hand.search(path.read_text(encoding="utf-8"))
    )
    assert callers == []
