"""The data dictionary of analyst.duckdb: one source, two renderings.

``data_dictionary.yaml`` (beside this file) describes every published table and
column. From it:

* ``comment_tables(conn, schema, tables)`` writes ``COMMENT ON TABLE`` /
  ``COMMENT ON COLUMN`` into the file being published, so every tool that opens
  analyst.duckdb shows the descriptions (``duckdb_tables().comment``,
  ``duckdb_columns().comment``);
* ``render_markdown()`` renders ``docs/data_dictionary.md``:
  ``python -m csenet_dagster.publish.data_dictionary --write`` (re)writes it,
  ``--check`` exits 1 when it is stale (tests/test_data_dictionary.py does the same).

A column without a description is never an error at run time (other stages add
tables and columns): ``undescribed`` lists them, the run warns, and the unit test
against the dictionary fails naming them and this file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import duckdb
import yaml

from csenet_dagster import db, settings

DICTIONARY_FILE = Path(__file__).with_name("data_dictionary.yaml")
DOC_FILE = settings.REPO_ROOT / "docs" / "data_dictionary.md"
WHERE_TO_ADD = (
    "describe it in csenet_dagster/publish/data_dictionary.yaml (tables: <table>: description / columns: <column>), "
    "then run `python -m csenet_dagster.publish.data_dictionary --write` to refresh docs/data_dictionary.md"
)


@lru_cache(maxsize=1)
def load() -> dict[str, dict]:
    """table -> {"description": str, "columns": {column: description}}, in file order."""
    try:
        data = yaml.safe_load(DICTIONARY_FILE.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ValueError(
            f"{DICTIONARY_FILE.name}{where}: not valid YAML ({getattr(exc, 'problem', exc)}); "
            "a description holding ': ' or starting with a special character must be quoted"
        ) from None
    tables = data.get("tables") or {}
    out: dict[str, dict] = {}
    for table, spec in tables.items():
        spec = spec or {}
        description = (spec.get("description") or "").strip()
        columns = {str(c): str(d or "").strip() for c, d in (spec.get("columns") or {}).items()}
        out[str(table)] = {"description": description, "columns": columns}
    return out


def table_columns(conn: duckdb.DuckDBPyConnection, schema: str, tables: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
    """table -> [(column, type)] of ``schema.table`` for each table, in column order."""
    return {t: db.table_schema(conn, f"{schema}.{t}") for t in tables}


def undescribed(columns: dict[str, Sequence]) -> list[str]:
    """'table' or 'table.column' for every published table/column the dictionary does not describe."""
    dictionary = load()
    missing = []
    for table, cols in columns.items():
        spec = dictionary.get(table)
        if spec is None or not spec["description"]:
            missing.append(table)
        described = spec["columns"] if spec else {}
        for col in cols:
            name = col[0] if isinstance(col, tuple) else col
            if not described.get(name):
                missing.append(f"{table}.{name}")
    return missing


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def comment_tables(conn: duckdb.DuckDBPyConnection, schema: str, tables: Iterable[str]) -> list[str]:
    """COMMENT ON every table and column of ``schema`` (e.g. ``alias.main``) that the
    dictionary describes; returns what it could not describe (see ``undescribed``)."""
    dictionary = load()
    columns = table_columns(conn, schema, tables)
    for table, cols in columns.items():
        spec = dictionary.get(table)
        if spec is None:
            continue
        target = f"{schema}.{_quote_identifier(table)}"
        if spec["description"]:
            conn.execute(f"COMMENT ON TABLE {target} IS {db.literal(spec['description'])}")
        for name, _ in cols:
            text = spec["columns"].get(name)
            if text:
                conn.execute(f"COMMENT ON COLUMN {target}.{_quote_identifier(name)} IS {db.literal(text)}")
    return undescribed(columns)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown() -> str:
    """docs/data_dictionary.md, rendered from the dictionary (deterministic)."""
    dictionary = load()
    lines = [
        "# Data dictionary of `analyst.duckdb`",
        "",
        "Generated from `csenet_dagster/publish/data_dictionary.yaml` by",
        "`python -m csenet_dagster.publish.data_dictionary --write`; do not edit by hand.",
        "The same descriptions are written into every published `analyst.duckdb` as",
        "`COMMENT ON TABLE` / `COMMENT ON COLUMN`, so any client shows them, e.g.",
        "",
        "```sql",
        "SELECT table_name, comment FROM duckdb_tables();",
        "SELECT table_name, column_name, data_type, comment FROM duckdb_columns() WHERE table_name = 'edge_evidence';",
        "```",
        "",
        "| table | one row per / what |",
        "| --- | --- |",
    ]
    for table, spec in dictionary.items():
        lines.append(f"| [`{table}`](#{table}) | {_cell(spec['description'])} |")
    for table, spec in dictionary.items():
        lines += ["", f"## {table}", "", spec["description"], "", "| column | description |", "| --- | --- |"]
        lines += [f"| `{column}` | {_cell(text)} |" for column, text in spec["columns"].items()]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render docs/data_dictionary.md from data_dictionary.yaml.")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true", help="(re)write docs/data_dictionary.md")
    group.add_argument("--check", action="store_true", help="exit 1 when docs/data_dictionary.md is stale")
    args = parser.parse_args(argv)
    text = render_markdown()
    if args.write:
        DOC_FILE.write_text(text, encoding="utf-8")
        print(f"wrote {DOC_FILE}")
        return 0
    current = DOC_FILE.read_text(encoding="utf-8") if DOC_FILE.exists() else ""
    if current != text:
        print(f"{DOC_FILE} is stale: run python -m csenet_dagster.publish.data_dictionary --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
