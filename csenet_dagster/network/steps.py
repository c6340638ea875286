"""The network stage as plain functions on a DuckDB connection.

Assets (``assets.py``) are thin wrappers around these (Dagster wiring and metadata),
so tests can run the stage's steps without Dagster. Relational work is in
sql/3_network/; Python only builds the igraph graph, delineates networks, gives them
stable ids (``csenet_dagster.ids``) and computes centrality. Steps return counts only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import igraph as ig
import polars as pl

from csenet_dagster import db, ids, reference_files
from csenet_dagster.network import centrality, delineate, offender_centrality
from csenet_dagster.network.graph import load_pair_graph
from csenet_dagster.network.network_settings import (
    FORBIDDEN_INTEL_EVALS,
    FORBIDDEN_INTEL_SOURCE_EVALS,
    LINK_TYPES,
    NetworkSettings,
)
from csenet_dagster.previous import snapshot

SQL = "3_network"

# Raw person files whose refs must all resolve to a nominal before linking.
PERSON_FILES = {
    "raw.crime_person": "crime_person.csv",
    "raw.custody": "custody.csv",
    "raw.intel_person": "intel_person.csv",
    "raw.missing_person": "missing_person.csv",
    "raw.vehicle": "vehicle.csv",
}


class UnresolvedPersonRef(ValueError):
    """A person ref of the delivery has no nominal: linking would silently drop it."""


def strength_params(s: NetworkSettings) -> dict[str, float]:
    return {f"strength_{t.lower()}": s.strength(t) for t in LINK_TYPES}


def counts_by(conn: duckdb.DuckDBPyConnection, query: str) -> dict[str, int]:
    return {str(k): int(v) for k, v in conn.sql(query).fetchall()}


def require_every_person_ref_resolved(conn: duckdb.DuckDBPyConnection) -> None:
    """Refuse to link when a person ref has no nominal (nothing silently dropped)."""
    for table, file_name in PERSON_FILES.items():
        rows = conn.sql(
            f"""
            SELECT count(*), min(p.row_no)
            FROM {table} AS p
            LEFT JOIN er.nominal_record AS nr ON nr.person_ref = p.person_ref
            WHERE nr.person_ref IS NULL
            """
        ).fetchall()
        missing, first_row = rows[0]
        if missing:
            raise UnresolvedPersonRef(
                f"{file_name}: {missing} row(s) have a person_ref missing from er.nominal_record "
                f"(first at data row {first_row}); rule: every person_ref resolves to a nominal"
            )


def build_cse_offence_code(conn: duckdb.DuckDBPyConnection) -> Path:
    """net.cse_offence_code from the classification (setting harm.classification_file, else the bundled
    reference/offence_codes.csv), validated first: a bad file raises reference_files.WeightsFileError naming file,
    row and rule. Returns the file read."""
    file = reference_files.classification_path()
    reference_files.load_offence_code_reference(file)
    frame = pl.read_csv(file, infer_schema=False)
    with db.registered(conn, offence_code_csv=frame):
        db.run_sql(
            conn, f"{SQL}/01_cse_offence_code.sql", reference_offence_code=reference_files.offence_code_sql("offence_code")
        )
    return file


def build_party(conn: duckdb.DuckDBPyConnection, s: NetworkSettings) -> None:
    """net.crime_party, net.intel_party, net.missing_party (sql/3_network/02_party.sql)."""
    db.run_sql(
        conn,
        f"{SQL}/02_party.sql",
        intel_source_evals=s.credible_intel_source_evals(),
        intel_evals=s.credible_intel_evals(),
        forbidden_source_evals=FORBIDDEN_INTEL_SOURCE_EVALS,
        forbidden_intel_evals=FORBIDDEN_INTEL_EVALS,
        missing_child_max_age=s.missing_child_max_age,
        crime_offence_code=reference_files.offence_code_sql("c.offence_code"),
    )


def build_edge_evidence(conn: duckdb.DuckDBPyConnection, s: NetworkSettings, link_corrections: pl.DataFrame) -> dict[str, Any]:
    """Parties, candidate evidence, then analysts' link corrections -> net.edge_evidence."""
    require_every_person_ref_resolved(conn)
    build_party(conn, s)
    db.run_sql(
        conn,
        f"{SQL}/03_edge_evidence_candidate.sql",
        shared_attribute_max_nominals=s.shared_attribute_max_nominals,
        **strength_params(s),
    )
    with db.registered(conn, link_correction_csv=link_corrections):
        db.run_sql(conn, f"{SQL}/04_link_correction.sql")
    return {
        "by_type": counts_by(
            conn, "SELECT link_type, count(*) FROM net.edge_evidence GROUP BY link_type ORDER BY link_type"
        ),
        "too_common": counts_by(
            conn, "SELECT link_type, n_too_common FROM net.shared_attribute_summary ORDER BY link_type"
        ),
        "corrections_applied": int(
            db.scalar(conn, "SELECT count(*) FILTER (WHERE applied) FROM net.link_correction") or 0
        ),
        "not_shareable": int(
            db.scalar(conn, "SELECT count(*) FILTER (WHERE NOT shareable) FROM net.edge_evidence") or 0
        ),
    }


def build_edge(conn: duckdb.DuckDBPyConnection, s: NetworkSettings) -> dict[str, int]:
    """net.edge from the evidence; returns edges by link type."""
    db.run_sql(
        conn,
        f"{SQL}/05_edge.sql",
        as_of=db.extracted_at(conn),
        recency_floor=s.recency_floor,
        recency_half_life_days=s.recency_half_life_days,
        max_event_credit=s.max_event_credit,
        **strength_params(s),
    )
    return counts_by(conn, "SELECT link_type, count(*) FROM net.edge GROUP BY link_type ORDER BY link_type")


def build_cse_seed(conn: duckdb.DuckDBPyConnection, s: NetworkSettings) -> None:
    """net.outcome_pattern, net.crime_outcome, net.cse_crime, net.peer_safeguarding_case,
    net.cse_evidence and net.cse_seed (sql/3_network/05_*)."""
    patterns = pl.DataFrame(
        s.outcome_patterns(), schema={"outcome_class": pl.String, "precedence": pl.Int64, "pattern": pl.String},
        orient="row",
    )
    with db.registered(conn, outcome_pattern_input=patterns):
        db.run_sql(
            conn, f"{SQL}/06_cse_crime.sql", child_max_age=s.child_max_age,
            crime_offence_code=reference_files.offence_code_sql("c.offence_code"),
        )
    db.run_sql(conn, f"{SQL}/07_cse_seed.sql", child_max_age=s.child_max_age)


def build_node(conn: duckdb.DuckDBPyConnection) -> int:
    """net.node; returns the number of linked nominals."""
    db.run_sql(conn, f"{SQL}/08_node.sql")
    return int(db.scalar(conn, "SELECT count(*) FROM net.node WHERE degree > 0"))


def build_admission_link(conn: duckdb.DuckDBPyConnection, s: NetworkSettings) -> dict[str, int]:
    """net.admission_link: the links that may admit a non-seed to a seed's network; returns
    the admitting ones by kind."""
    source_evals, intel_evals = s.associate_intel_tier()
    db.run_sql(
        conn, f"{SQL}/09_admission_link.sql",
        associate_source_evals=source_evals, associate_intel_evals=intel_evals,
    )
    return counts_by(
        conn, "SELECT admits_as, count(*) FROM net.admission_link WHERE admits GROUP BY admits_as ORDER BY admits_as"
    )


@dataclass(frozen=True)
class Delineation:
    """The delineated networks on the pair graph, with what roles are read from."""

    graph: ig.Graph
    networks: list[delineate.Network]
    member_names: list[list[str]]  # nominal_ids per network, in network order
    cse_role: dict[str, str]
    evidenced: set[str]
    child_links: dict[str, set[str]]


def delineate_networks(conn: duckdb.DuckDBPyConnection, s: NetworkSettings) -> Delineation:
    """CSE networks around the seeds (components split by seeded Leiden, net.admission_link)."""
    graph = load_pair_graph(conn)
    cse_role = dict(
        conn.sql("SELECT nominal_id, cse_role FROM net.node WHERE cse_role IS NOT NULL ORDER BY nominal_id").fetchall()
    )
    evidenced = {
        row[0] for row in conn.sql("SELECT nominal_id FROM net.node WHERE is_evidenced_offender").fetchall()
    }
    associate_links = _links(conn, "ASSOCIATE")
    child_links = _links(conn, "CHILD_AT_RISK")
    networks = delineate.delineate(graph, cse_role, evidenced, s, associate_links, child_links)
    names = graph.vs["name"]
    member_names = [[names[v] for v in n.members] for n in networks]
    return Delineation(graph, networks, member_names, cse_role, evidenced, child_links)


def assign_network_ids(conn: duckdb.DuckDBPyConnection, member_names: list[list[str]]) -> list[ids.AssignedId]:
    """Stable network ids inherited from the previous published run (prev.* snapshot)."""
    return ids.inherit(
        member_names, snapshot.network_members(conn), ids.NETWORK, snapshot.watermark(conn, ids.NETWORK)
    )


MEMBER_SCHEMA = {
    "network_id": pl.String, "nominal_id": pl.String, "member_role": pl.String,
    "is_evidenced_offender": pl.Boolean,
    "split_by_leiden": pl.Boolean, "degree": pl.Int64, "weighted_degree": pl.Float64,
    "betweenness": pl.Float64, "pagerank": pl.Float64, "eigenvector": pl.Float64,
    "brokerage": pl.Int64,
    "offender_degree": pl.Int64, "offender_weighted_degree": pl.Float64,
    "offender_betweenness": pl.Float64, "offender_pagerank": pl.Float64,
    "offender_eigenvector": pl.Float64,
}


def member_centrality(d: Delineation, assigned: list[ids.AssignedId], s: NetworkSettings) -> pl.DataFrame:
    """One row per network and member: provisional role, within-network and among-offender centrality."""
    names = d.graph.vs["name"]
    # provisional roles (10_member_reason.sql derives the published one from the reasons, the same way)
    role_of = {
        name: d.cse_role.get(name) or ("CHILD_AT_RISK" if name in d.child_links else "ASSOCIATE")
        for network in d.member_names for name in network
    }
    rows = centrality.network_member_centrality(d.graph, d.networks, s.random_seed)
    among_offenders = offender_centrality.offender_centrality(d.graph, d.networks, role_of, s.random_seed)
    empty = dict.fromkeys(offender_centrality.COLUMNS)
    return pl.DataFrame(
        [
            {
                "network_id": assigned[r["network_index"]].id,
                "nominal_id": names[r["vertex"]],
                "member_role": role_of[names[r["vertex"]]],
                "is_evidenced_offender": names[r["vertex"]] in d.evidenced,
                "split_by_leiden": d.networks[r["network_index"]].split_by_leiden,
                **{k: v for k, v in r.items() if k not in ("network_index", "vertex")},
                **among_offenders.get((r["network_index"], r["vertex"]), empty),
            }
            for r in rows
        ],
        schema=MEMBER_SCHEMA,
    )


def lineage_frame(assigned: list[ids.AssignedId]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "network_id": [a.id for a in assigned],
            "id_status": [a.status for a in assigned],
            "previous_overlap": [a.previous_overlap for a in assigned],
        },
        schema={"network_id": pl.String, "id_status": pl.String, "previous_overlap": pl.Int64},
    )


def write_frame(conn: duckdb.DuckDBPyConnection, frame: pl.DataFrame, table: str, order_by: str) -> None:
    """``CREATE OR REPLACE TABLE table`` from a polars frame (registered only meanwhile)."""
    view = table.replace(".", "_") + "_frame"
    with db.registered(conn, **{view: frame}):
        conn.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {view} ORDER BY {order_by}")


def build_network_member(conn: duckdb.DuckDBPyConnection, s: NetworkSettings) -> dict[str, Any]:
    """Delineate, give stable ids, measure centrality; write net.network_member_graph and
    net.network_lineage, then net.member_reason, net.person_of_concern and net.network_member."""
    d = delineate_networks(conn, s)
    assigned = assign_network_ids(conn, d.member_names)
    write_frame(conn, member_centrality(d, assigned, s), "net.network_member_graph", "network_id, nominal_id")
    write_frame(conn, lineage_frame(assigned), "net.network_lineage", "network_id")
    db.run_sql(
        conn, f"{SQL}/10_member_reason.sql",
        child_max_age=s.child_max_age, person_of_concern_min_children=s.person_of_concern_min_children,
    )
    kept = sum(a.status == ids.KEPT for a in assigned)
    return {
        "networks": len(d.networks),
        "networks_split_by_leiden": sum(n.split_by_leiden for n in d.networks),
        "network_ids_kept": kept,
        "network_ids_new": len(assigned) - kept,
        "members_by_role": counts_by(
            conn, "SELECT member_role, count(*) FROM net.network_member GROUP BY member_role ORDER BY member_role"
        ),
        "persons_of_concern": int(db.scalar(conn, "SELECT count(*) FROM net.person_of_concern")),
        "graph_nodes": d.graph.vcount(),
        "graph_edges": d.graph.ecount(),
    }


def build_network(conn: duckdb.DuckDBPyConnection) -> int:
    """net.network; returns the largest network's size."""
    db.run_sql(conn, f"{SQL}/11_network.sql")
    return int(db.scalar(conn, "SELECT coalesce(max(n_members), 0) FROM net.network"))


def build_network_link(conn: duckdb.DuckDBPyConnection) -> None:
    db.run_sql(conn, f"{SQL}/12_network_link.sql")


def build_centrality(conn: duckdb.DuckDBPyConnection, s: NetworkSettings) -> str:
    """net.centrality (whole-graph measures); returns the betweenness method used."""
    graph = load_pair_graph(conn)
    frame = centrality.graph_centrality(graph, _networks_from_table(conn, graph), s)
    write_frame(conn, frame, "net.centrality", "nominal_id")
    return frame["betweenness_method"][0] if frame.height else "none"


def _links(conn: duckdb.DuckDBPyConnection, admits_as: str) -> dict[str, set[str]]:
    """Non-seed nominal -> the seeds it has admitting links to, of one kind (net.admission_link)."""
    links: dict[str, set[str]] = {}
    for nominal_id, seed_id in conn.sql(
        f"SELECT DISTINCT nominal_id, seed_nominal_id FROM net.admission_link "
        f"WHERE admits AND admits_as = '{admits_as}' ORDER BY 1, 2"
    ).fetchall():
        links.setdefault(nominal_id, set()).add(seed_id)
    return links


def _networks_from_table(conn: duckdb.DuckDBPyConnection, graph: ig.Graph) -> list[delineate.Network]:
    """The delineated networks as vertex groups of ``graph`` (ordered by network_id)."""
    index = {name: i for i, name in enumerate(graph.vs["name"])}
    groups: dict[str, list[int]] = {}
    for network_id, nominal_id in conn.sql(
        "SELECT network_id, nominal_id FROM net.network_member ORDER BY network_id, nominal_id"
    ).fetchall():
        groups.setdefault(network_id, []).append(index[nominal_id])
    return [delineate.Network(tuple(sorted(v)), False) for _, v in sorted(groups.items())]
