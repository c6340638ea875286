"""The previous published run, read once per run into ``prev.*`` (sql/0_previous/).

This is the one place where data flows backwards between runs: resolve (stable
nominal ids, nominal_change), network (stable network ids) and harm (previous ranks,
what changed) read the snapshot, never ``analyst.duckdb`` itself, and publish carries
``prev.id_watermark`` forward into the new ``id_watermark``.

Error policy (docs/operations.md, "The previous run"):

* no published ``analyst.duckdb``: a first run; every ``prev`` table is empty and the
  watermark comes from the pipeline's own ledger (``audit.id_ledger``) alone;
* a published file that cannot be opened, lacks a table or column listed in
  :data:`REQUIRED_COLUMNS`, or holds an id of unexpected form: the run fails with a
  :class:`PreviousRunError` naming the file and the rule (never a value). Carrying on
  would silently give every nominal and network a new id (or reissue an old one).

The published file is read from a private byte copy (``db.published_snapshot``): an
analyst holding ``analyst.duckdb`` open read-write must not block the run.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from csenet_dagster import db, ids

SQL = "0_previous"
ALIAS = "previous_run"

# The snapshot's tables (schema prev), in the order the asset reports them.
SNAPSHOT_TABLES = (
    "prev.run", "prev.nominal_record", "prev.network", "prev.network_member", "prev.edge",
    "prev.network_crime", "prev.id_watermark",
)

# Published table -> columns the snapshot reads from it (sql/0_previous/02_copy.sql).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "run": ("delivery_id",),
    "nominal_record": ("person_ref", "nominal_id"),
    "nominal": ("nominal_id",),
    "nominal_change": ("previous_nominal_ids",),
    "network": ("network_id", "priority_rank"),
    "network_member": ("network_id", "nominal_id"),
    "edge": ("nominal_id_a", "nominal_id_b", "link_type"),
    "explanation": ("subject_kind", "subject_id", "section", "component", "item_ref"),
    "id_watermark": ("kind", "max_issued"),
}


class PreviousRunError(ValueError):
    """The published analyst.duckdb exists but cannot serve as the previous run."""


def sql_params() -> dict[str, db.SqlFragment]:
    params = ids.sql_params()
    params["nominal_number"] = ids.NOMINAL.sql_number("id")
    params["network_number"] = ids.NETWORK.sql_number("id")
    return params


def take(conn: duckdb.DuckDBPyConnection, analyst_db: Path | None = None) -> dict[str, int]:
    """Fill prev.* from the published analyst file (default: the warehouse's); returns
    rows per snapshot table. Raises PreviousRunError per the error policy above."""
    params = sql_params()
    db.run_sql(conn, f"{SQL}/01_empty.sql", **params)
    with db.published_snapshot(analyst_db) as copy:
        if copy.exists():
            _copy_from(conn, copy, copy.name, params)
    db.run_sql(conn, f"{SQL}/03_id_watermark.sql", **params)
    return {table: db.row_count(conn, table) for table in SNAPSHOT_TABLES}


def _copy_from(conn: duckdb.DuckDBPyConnection, copy: Path, name: str, params: dict) -> None:
    try:
        conn.execute(f"ATTACH {db.literal(str(copy))} AS {ALIAS} (READ_ONLY)")
    except duckdb.Error as exc:
        raise PreviousRunError(
            f"previous published run {name}: rule previous_run_readable: the file cannot be opened "
            f"as a DuckDB database ({type(exc).__name__})"
        ) from None
    try:
        _require_columns(conn, name)
        db.run_sql(conn, f"{SQL}/02_copy.sql", **params)
        _require_id_formats(conn, name)
    finally:
        conn.execute(f"DETACH {ALIAS}")


def _require_columns(conn: duckdb.DuckDBPyConnection, name: str) -> None:
    present = _groups(
        conn,
        f"SELECT table_name, column_name FROM duckdb_columns() "
        f"WHERE database_name = {db.literal(ALIAS)} AND schema_name = 'main'",
    )
    for table, columns in REQUIRED_COLUMNS.items():
        if table not in present:
            raise PreviousRunError(
                f"previous published run {name}: rule previous_table_present: table {table} is missing "
                "(needed for stable ids and what changed; ids are never started afresh)"
            )
        missing = [c for c in columns if c not in present[table]]
        if missing:
            raise PreviousRunError(
                f"previous published run {name}: rule previous_column_present: table {table} lacks "
                f"column {', '.join(missing)}"
            )


def _require_id_formats(conn: duckdb.DuckDBPyConnection, name: str) -> None:
    """Every id the previous run holds has its kind's form (a number is read from each)."""
    for fmt in ids.FORMATS:
        rows = conn.sql(
            f"SELECT source, count(*) FROM previous_issued_id "
            f"WHERE kind = {db.literal(fmt.kind)} AND NOT {fmt.sql_is_valid('id')} GROUP BY source ORDER BY source"
        ).fetchall()
        if rows:
            where = ", ".join(f"{source} ({n} row(s))" for source, n in rows)
            raise PreviousRunError(
                f"previous published run {name}: rule previous_id_format: {fmt.kind} ids not of the "
                f"form {fmt.description} in {where}"
            )


def crosswalk(conn: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Previous nominal_id -> its person_refs (prev.nominal_record)."""
    return _groups(conn, "SELECT nominal_id, person_ref FROM prev.nominal_record ORDER BY 1, 2")


def network_members(conn: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Previous network_id -> its member nominal_ids (prev.network_member)."""
    return _groups(conn, "SELECT network_id, nominal_id FROM prev.network_member ORDER BY 1, 2")


def watermark(conn: duckdb.DuckDBPyConnection, fmt: ids.IdFormat) -> int:
    """The highest id number of ``fmt``'s kind issued before this run (prev.id_watermark)."""
    return int(
        db.scalar(conn, f"SELECT max(max_issued) FROM prev.id_watermark WHERE kind = {db.literal(fmt.kind)}") or 0
    )


def _groups(conn: duckdb.DuckDBPyConnection, query: str) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for group, member in conn.sql(query).fetchall():
        groups.setdefault(group, []).append(member)
    return groups
