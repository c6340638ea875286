"""The shareable picture: what exports and dossiers are written from.

``analyst.duckdb`` is the force's own store and keeps the full picture,
intelligence with handling code C (sharing with conditions) included. Files
that leave the lab (graph exports, dossiers) must let no reader infer C
content: not its refs or dates, nor a member it alone admits, a weight, count,
first/last seen date, harm, score or rank it changes, nor how many items were
left out.

Rather than a C-free variant of every rule, the network and harm stages run a
second time, unchanged, over the delivery without C intelligence
(``sql/3_network/14_shareable_input.sql``): person records are rebuilt from it
by the resolve stage's own rules (a record known only from C logs vanishes, a
record also named elsewhere loses the C log's dates and values), identities are
the force's resolution (``15_shareable_identity.sql``: a nominal is the same
person in both pictures).
They run in a separate DuckDB catalog, ``shareable`` (the file
``shareable.duckdb`` beside ``work.duckdb``), whose ``raw``/``er`` schemas are
filtered views over the working database: DuckDB resolves the stages'
``net.edge``, ``harm.network_priority`` ... against the catalog in use, so the
same SQL and Python write ``shareable.net.*`` and ``shareable.harm.*``.
Exporters and the dossier writer read whichever picture the settings ask for
(``picture``): the shareable one by default, the full one with
``network.export_conditional_intel`` / ``harm.dossier_include_handling_c``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from csenet_dagster import db, files, settings

CATALOG = "shareable"


def database_path() -> Path:
    """The shareable picture's file, beside the working database (owner-only like it)."""
    return settings.paths().work_db.with_name(f"{CATALOG}.duckdb")


@contextmanager
def using_shareable(conn: duckdb.DuckDBPyConnection, fresh: bool = False) -> Iterator[str]:
    """Run the block with the shareable catalog in use; yields the working catalog's name
    (for reading the full picture by qualified name). Back to the working catalog after.
    ``fresh``: start from an empty file (each run rebuilds the whole picture, so nothing of
    an earlier run's picture can linger in it)."""
    home = db.scalar(conn, "SELECT current_database()")
    path = database_path()
    if fresh:
        for file in (path, path.with_name(path.name + ".wal")):
            file.unlink(missing_ok=True)
    conn.execute(f"ATTACH IF NOT EXISTS {db.literal(str(path))} AS {CATALOG}")
    files.restrict_working_db(path)  # it holds intelligence, like work.duckdb: owner-only
    conn.execute(f"USE {CATALOG}")
    try:
        yield home
    finally:
        conn.execute(f"USE {db.identifier(home)}")
        conn.execute(f"DETACH {CATALOG}")


@contextmanager
def picture(conn: duckdb.DuckDBPyConnection, include_handling_c: bool) -> Iterator[None]:
    """The block reads the full picture when ``include_handling_c``, else the shareable one."""
    if include_handling_c:
        yield
        return
    with using_shareable(conn):
        yield


def prepare_inputs(conn: duckdb.DuckDBPyConnection, work_catalog: str) -> None:
    """The shareable picture's raw views over ``work_catalog``, its person records rebuilt from them by
    the resolve stage's own rules, and its identities and best values (call inside ``using_shareable``)."""
    from csenet_dagster.resolve import steps

    work = db.identifier(work_catalog)
    db.run_sql(conn, "3_network/14_shareable_input.sql", work=work)
    steps.build_person_record(conn)
    steps.standardise(conn)
    db.run_sql(conn, "3_network/15_shareable_identity.sql", work=work)
    steps.build_nominal(conn)  # best name, dob, sex, PNC id over this picture's records


def build_network_picture(conn: duckdb.DuckDBPyConnection, s) -> dict[str, int]:
    """The network stage again, in the shareable picture (a fresh catalog): evidence, edges, seeds, nodes,
    admission links, networks and their links from the delivery without handling-code-C intelligence.
    Its prev.* tables hold no previous run (the published file holds no shareable state: no changes
    listed) but this run's full networks, so a shareable network takes the id of the full network it
    shares most members with; one that exists only because C evidence joined two gets a new id above
    every id issued (sql/3_network/16_shareable_previous.sql). Writes the working database's
    net.shareable_network_id."""
    from csenet_dagster.network import corrections, steps
    from csenet_dagster.previous import snapshot

    link_corrections = corrections.load_link_corrections()
    with using_shareable(conn, fresh=True) as work:
        prepare_inputs(conn, work)
        params = {**snapshot.sql_params(), "work": db.identifier(work)}
        db.run_sql(conn, "0_previous/01_empty.sql", **params)
        db.run_sql(conn, "3_network/16_shareable_previous.sql", **params)
        steps.build_edge_evidence(conn, s, link_corrections)
        steps.build_edge(conn, s)
        steps.build_cse_seed(conn, s)
        steps.build_node(conn)
        steps.build_admission_link(conn, s)
        members = steps.build_network_member(conn, s)
        steps.build_network(conn)
        steps.build_network_link(conn)
        # the ids files will name, for the published id_watermark (never issued again)
        conn.execute(
            f"CREATE OR REPLACE TABLE {db.identifier(work)}.net.shareable_network_id AS "
            "SELECT network_id FROM net.network ORDER BY network_id"
        )
        return {
            "shareable_networks": int(members["networks"]),
            "shareable_members": db.row_count(conn, "net.network_member"),
            "shareable_edges": db.row_count(conn, "net.edge"),
        }
