"""The previous published run, as the harm stage needs it for "what changed".

Copies the few columns it compares (network ranks, memberships, edges, network
crimes) from the previous ``analyst.duckdb`` (opened read-only) into
``harm.prev_*``. Without a previous file, or a table in it, the tables are
empty and the explanation lists no changes.
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb

from csenet_dagster import db

log = logging.getLogger(__name__)

# harm table -> (columns, analyst table it comes from, select over that table)
PREVIOUS_TABLES = {
    "prev_run": ("delivery_id VARCHAR", "run", "SELECT CAST(delivery_id AS VARCHAR) FROM prev.main.run"),
    "prev_network": (
        "network_id VARCHAR, priority_rank BIGINT",
        "network",
        "SELECT network_id, CAST(priority_rank AS BIGINT) FROM prev.main.network",
    ),
    "prev_network_member": (
        "network_id VARCHAR, nominal_id VARCHAR",
        "network_member",
        "SELECT DISTINCT network_id, nominal_id FROM prev.main.network_member",
    ),
    "prev_edge": (
        "nominal_id_a VARCHAR, nominal_id_b VARCHAR, link_type VARCHAR",
        "edge",
        "SELECT DISTINCT nominal_id_a, nominal_id_b, link_type FROM prev.main.edge",
    ),
    "prev_network_crime": (
        "network_id VARCHAR, crime_ref VARCHAR",
        "explanation",
        "SELECT DISTINCT subject_id, item_ref FROM prev.main.explanation "
        "WHERE subject_kind = 'NETWORK' AND section = 'SCORE' AND component = 'HARM'",
    ),
}


def stage_previous_run(conn: duckdb.DuckDBPyConnection, analyst_db: Path | None = None) -> dict[str, int]:
    """Fill harm.prev_* from the previous analyst file; returns rows copied per table."""
    # A private copy: an analyst holding analyst.duckdb open (read-write locks it
    # against every other process) must not cost this run its diff.
    with db.published_snapshot(analyst_db) as previous:
        return _stage_previous_from(conn, previous)


def _stage_previous_from(conn: duckdb.DuckDBPyConnection, analyst_db: Path) -> dict[str, int]:
    for table, (columns, _, _) in PREVIOUS_TABLES.items():
        conn.execute(f"CREATE OR REPLACE TABLE harm.{table} ({columns})")
    copied = {table: 0 for table in PREVIOUS_TABLES}
    if not analyst_db.exists():
        return copied
    try:
        conn.execute(f"ATTACH {db.literal(str(analyst_db))} AS prev (READ_ONLY)")
    except duckdb.Error as exc:
        # A locked or unreadable previous file must not stop this run: it only loses the diff.
        log.warning("previous analyst database not readable (%s); no changes listed", type(exc).__name__)
        return copied
    try:
        present = {
            r[0] for r in conn.sql("SELECT table_name FROM duckdb_tables() WHERE database_name = 'prev'").fetchall()
        }
        for table, (_, source, select) in PREVIOUS_TABLES.items():
            if source not in present:
                continue
            try:
                conn.execute(f"INSERT INTO harm.{table} {select}")
            except duckdb.Error as exc:
                log.warning("previous analyst table %s has an unexpected shape (%s); skipped", source, type(exc).__name__)
                continue
            copied[table] = db.row_count(conn, f"harm.{table}")
    finally:
        conn.execute("DETACH prev")
    return copied
