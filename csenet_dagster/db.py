"""DuckDB access shared by every stage: connections and the SQL-file runner.

Relational work lives in ``sql/<stage>/<name>.sql``. Files use ``${name}``
placeholders (the variable-substitution form Spark SQL also understands), so
the same files can move to a Spark engine later. Values are rendered as SQL
literals by :func:`literal`, never pasted raw.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from string import Template
from typing import Any

import duckdb
import polars as pl

from csenet_dagster import settings

CONNECTION_CONFIG = {"python_enable_replacements": False}

# One Dagster concurrency pool for everything that writes the working database:
# DuckDB allows a single writer per file.
DUCKDB_POOL = "csenet_duckdb"

SCHEMAS = ("raw", "prev", "er", "net", "harm", "pub", "audit")


def connect(path: Path | str | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the working database (created with its schemas if new)."""
    target = Path(path) if path is not None else settings.paths().work_db
    if not read_only:
        target.parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(target), read_only=read_only, config=dict(CONNECTION_CONFIG))
    if not read_only:
        for schema in SCHEMAS:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    return conn


@contextmanager
def working_db(read_only: bool = False):
    conn = connect(read_only=read_only)
    try:
        yield conn
    finally:
        conn.close()


@contextmanager
def published_snapshot(analyst_db: Path | str | None = None):
    """Yield a private copy of the published analyst.duckdb, for reading the previous run.

    An analyst holding analyst.duckdb open read-write (DuckDB's default) locks it
    against every other process, read-only ones too, so stages never open the
    published file itself. It is never written after publish (a new file replaces
    it), so a byte copy is a consistent snapshot. The yielded path does not exist
    when nothing has been published yet; the copy is removed afterwards.
    """
    import shutil
    import tempfile

    source = Path(analyst_db) if analyst_db is not None else settings.paths().analyst_db
    source.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=".previous-", dir=source.parent))  # mode 0700
    copy = folder / source.name
    try:
        if source.exists():
            shutil.copyfile(source, copy)
        yield copy
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def registered(conn: duckdb.DuckDBPyConnection, **frames: Any) -> Iterator[duckdb.DuckDBPyConnection]:
    """Python frames readable by SQL under their keyword names for the block, always unregistered
    after it (also when the block fails), so no frame outlives the step that made it.

    Frames the pipeline builds are polars DataFrames (docs/DESIGN.md, "Frames"), handed to DuckDB
    as Arrow without a copy; an Arrow table (what Splink and DuckDB return) is registered as is.
    """
    names: list[str] = []
    try:
        for name, frame in frames.items():
            conn.register(name, frame.to_arrow() if hasattr(frame, "to_arrow") else frame)
            names.append(name)
        yield conn
    finally:
        for name in reversed(names):
            conn.unregister(name)


def attribute_frame(
    items: Iterable[Any],
    columns: Iterable[str],
    *,
    schema: Mapping[str, Any] | None = None,
    schema_overrides: Mapping[str, Any] | None = None,
    **computed: Callable[[Any], Any],
) -> pl.DataFrame:
    """A polars frame of one row per item: each column the item's attribute of that name, or
    ``computed[column](item)`` (to hand objects such as loaded reference rows to SQL)."""
    rows = list(items)
    data = {
        column: [computed[column](item) if column in computed else getattr(item, column) for item in rows]
        for column in columns
    }
    return pl.DataFrame(data, schema=dict(schema) if schema else None, schema_overrides=schema_overrides)


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection):
    """All-or-nothing writes: commit when the block succeeds, roll back on any error."""
    conn.execute("BEGIN TRANSACTION")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class SqlFragment(str):
    """SQL text built by code from trusted names (never from data), inserted as is by ``render_sql``."""


def identifier(name: str) -> SqlFragment:
    """A double-quoted SQL identifier, e.g. a column name taken from a contract."""
    return SqlFragment('"' + name.replace('"', '""') + '"')


def literal(value: Any) -> str:
    """Render a Python value as a SQL literal (strings quoted, lists as tuples)."""
    if isinstance(value, SqlFragment):
        return str(value)
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else list(value)
        if not items:
            return "(NULL)"
        return "(" + ", ".join(literal(v) for v in items) + ")"
    if isinstance(value, Path):
        value = str(value)
    text = str(value).replace("'", "''")
    return f"'{text}'"


def sql_root() -> Traversable:
    """The SQL files: package data ``csenet_dagster/sql`` (in a checkout, a link to the top-level
    ``sql/`` where they are edited), read through ``importlib.resources`` so that an installed
    wheel finds them as surely as a checkout does."""
    return resources.files("csenet_dagster") / "sql"


def render_sql(name: str, params: Mapping[str, Any] | None = None) -> str:
    """The text of ``sql/<name>`` with ``${param}`` placeholders filled in."""
    path = sql_root()
    for part in name.split("/"):
        path = path / part
    text = path.read_text(encoding="utf-8")
    values = {key: literal(value) for key, value in (params or {}).items()}
    try:
        return Template(text).substitute(values)
    except KeyError as exc:
        raise KeyError(f"{name}: no value given for placeholder ${{{exc.args[0]}}}") from exc


def _statements(sql: str) -> Iterable[str]:
    # Statements are separated by a semicolon at the end of a line; this keeps
    # semicolons inside string literals working without a full SQL parser.
    for statement in re.split(r";\s*(?:\n|$)", sql):
        if re.sub(r"--[^\n]*", "", statement).strip():
            yield statement


def run_sql(conn: duckdb.DuckDBPyConnection, name: str, **params: Any) -> None:
    """Execute every statement of ``sql/<name>`` in order."""
    for statement in _statements(render_sql(name, params)):
        conn.execute(statement)


def scalar(conn: duckdb.DuckDBPyConnection, query: str) -> Any:
    rows = conn.sql(query).fetchall()
    return rows[0][0] if rows else None


def row_count(conn: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(scalar(conn, f"SELECT count(*) FROM {table}"))


def table_schema(conn: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """(column, type) pairs, for Dagster column-schema metadata."""
    return [(row[0], row[1]) for row in conn.sql(f"DESCRIBE {table}").fetchall()]


def extracted_at(conn: duckdb.DuckDBPyConnection) -> dt.datetime:
    """The as-of time of the delivery being processed: every age is measured from it."""
    value = scalar(conn, "SELECT extracted_at FROM raw.delivery")
    if value is None:
        raise RuntimeError("raw.delivery is empty: ingest a delivery first")
    return value
