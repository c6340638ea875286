"""Dagster assets of the network stage (group ``network``, keys ``net/...``).

Relational work is in sql/3_network/; Python only builds the igraph graph,
delineates networks, computes centrality and writes the exports.
"""


from pathlib import Path

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from csenet_dagster import db, settings
from csenet_dagster.assets_common import stage_asset, table_metadata
from csenet_dagster.harm import config as harm_config
from csenet_dagster.harm import weights
from csenet_dagster.network import centrality, corrections, delineate, exports, network_ids, offender_centrality
from csenet_dagster.network.graph import load_pair_graph
from csenet_dagster.network.network_settings import (
    FORBIDDEN_INTEL_EVALS,
    FORBIDDEN_INTEL_SOURCE_EVALS,
    LINK_TYPES,
    NetworkSettings,
)
from csenet_dagster.network.network_settings import load as load_settings

GROUP = "network"
# The offence classification: setting harm.classification_file (a force's own file),
# else the bundled reference/offence_codes.csv (harm/weights.py reads and records it).
REFERENCE_CSV = weights.OFFENCE_CODES  # the default of weights.classification_path

# Raw person files whose refs must all resolve to a nominal before linking.
PERSON_FILES = {
    "raw.crime_person": "crime_person.csv",
    "raw.custody": "custody.csv",
    "raw.intel_person": "intel_person.csv",
    "raw.missing_person": "missing_person.csv",
    "raw.vehicle": "vehicle.csv",
}


def strength_params(s: NetworkSettings) -> dict[str, float]:
    return {f"strength_{t.lower()}": s.strength(t) for t in LINK_TYPES}


def require_every_person_ref_resolved(conn) -> None:
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
            raise dg.Failure(
                description=(
                    f"{file_name}: {missing} row(s) have a person_ref missing from er.nominal_record "
                    f"(first at data row {first_row}); rule: every person_ref resolves to a nominal"
                )
            )


def counts_by(conn, query: str) -> dict[str, int]:
    return {str(k): int(v) for k, v in conn.sql(query).fetchall()}


def build_cse_offence_code(conn) -> Path:
    """net.cse_offence_code from the classification (setting harm.classification_file, else the bundled
    reference/offence_codes.csv), validated first: a bad file raises weights.WeightsFileError naming file,
    row and rule. Returns the file read."""
    file = weights.classification_path(harm_config.load().classification_file)
    weights.load_offence_code_reference(file)
    frame = pl.read_csv(file, infer_schema=False)
    conn.register("offence_code_csv", frame.to_arrow())
    try:
        db.run_sql(
            conn, "3_network/00_cse_offence_code.sql", reference_offence_code=weights.offence_code_sql("offence_code")
        )
    finally:
        conn.unregister("offence_code_csv")
    return file


def build_party(conn, s: NetworkSettings) -> None:
    """net.crime_party, net.intel_party, net.missing_party (sql/3_network/01_party.sql)."""
    db.run_sql(
        conn,
        "3_network/01_party.sql",
        intel_source_evals=s.credible_intel_source_evals(),
        intel_evals=s.credible_intel_evals(),
        forbidden_source_evals=FORBIDDEN_INTEL_SOURCE_EVALS,
        forbidden_intel_evals=FORBIDDEN_INTEL_EVALS,
        missing_child_max_age=s.missing_child_max_age,
        crime_offence_code=weights.offence_code_sql("c.offence_code"),
    )


@stage_asset(
    "net.cse_offence_code",
    group=GROUP,
    description=(
        "Reference: Home Office offence codes and which are CSE offences (setting harm.classification_file, "
        "default reference/offence_codes.csv)."
    ),
)
def cse_offence_code(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        try:
            file = build_cse_offence_code(conn)
        except weights.WeightsFileError as exc:
            raise dg.Failure(description=str(exc)) from exc
        n_cse = db.scalar(conn, "SELECT count(*) FROM net.cse_offence_code WHERE is_cse_offence")
        return dg.MaterializeResult(
            metadata=table_metadata(conn, "net.cse_offence_code", n_cse_codes=int(n_cse), classification_file=file.name)
        )


@stage_asset(
    "net.edge_evidence",
    group=GROUP,
    description=(
        "Every event linking two nominals (one row per pair, link type and source ref), after analysts' "
        "link corrections. Also writes net.crime_party/intel_party/missing_party, "
        "net.edge_evidence_candidate, net.shared_attribute_summary and the audited net.link_correction."
    ),
    deps=[
        "raw.crime", "raw.crime_person", "raw.custody", "raw.intel_log", "raw.intel_person",
        "raw.missing_person", "raw.vehicle", "er.nominal_record", "er.person_std", "er.person_record",
        "net.cse_offence_code",
    ],
)
def edge_evidence(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    s = load_settings()
    link_corrections = corrections.load_link_corrections()
    with duckdb.get_connection() as conn:
        require_every_person_ref_resolved(conn)
        build_party(conn, s)
        db.run_sql(
            conn,
            "3_network/02_edge_evidence_candidate.sql",
            shared_attribute_max_nominals=s.shared_attribute_max_nominals,
            **strength_params(s),
        )
        conn.register("link_correction_csv", link_corrections.to_arrow())
        db.run_sql(conn, "3_network/03_link_correction.sql")
        conn.unregister("link_correction_csv")
        by_type = counts_by(
            conn, "SELECT link_type, count(*) FROM net.edge_evidence GROUP BY link_type ORDER BY link_type"
        )
        too_common = counts_by(
            conn, "SELECT link_type, n_too_common FROM net.shared_attribute_summary ORDER BY link_type"
        )
        applied = db.scalar(conn, "SELECT count(*) FILTER (WHERE applied) FROM net.link_correction")
        not_shareable = db.scalar(conn, "SELECT count(*) FILTER (WHERE NOT shareable) FROM net.edge_evidence")
        context.log.info(f"evidence rows by link type: {by_type}")
        return dg.MaterializeResult(
            metadata=table_metadata(
                conn,
                "net.edge_evidence",
                evidence_by_link_type=dg.MetadataValue.json(by_type),
                shared_attributes_too_common=dg.MetadataValue.json(too_common),
                link_corrections=len(link_corrections),
                link_corrections_applied=int(applied or 0),
                evidence_not_shareable=int(not_shareable or 0),
                intel_rule=dg.MetadataValue.text(
                    f"source_eval in {list(s.credible_intel_source_evals())} and intel_eval in "
                    f"{list(s.credible_intel_evals())} (source 3 and D/E never link)"
                ),
            )
        )


@stage_asset(
    "net.edge",
    group=GROUP,
    description="One weighted, dated edge per pair of nominals and link type (weight formula in docs/network.md).",
    deps=["net.edge_evidence"],
)
def edge(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    s = load_settings()
    with duckdb.get_connection() as conn:
        db.run_sql(
            conn,
            "3_network/04_edge.sql",
            as_of=db.extracted_at(conn),
            recency_floor=s.recency_floor,
            recency_half_life_days=s.recency_half_life_days,
            max_event_credit=s.max_event_credit,
            **strength_params(s),
        )
        by_type = counts_by(conn, "SELECT link_type, count(*) FROM net.edge GROUP BY link_type ORDER BY link_type")
        return dg.MaterializeResult(
            metadata=table_metadata(conn, "net.edge", edges_by_link_type=dg.MetadataValue.json(by_type))
        )


def build_cse_seed(conn, s: NetworkSettings) -> None:
    """net.outcome_pattern, net.crime_outcome, net.cse_crime, net.peer_safeguarding_case,
    net.cse_evidence and net.cse_seed (sql/3_network/05_*)."""
    patterns = pl.DataFrame(
        s.outcome_patterns(), schema={"outcome_class": pl.String, "precedence": pl.Int64, "pattern": pl.String},
        orient="row",
    )
    conn.register("outcome_pattern_input", patterns.to_arrow())
    try:
        db.run_sql(
            conn, "3_network/05_cse_crime.sql", child_max_age=s.child_max_age,
            crime_offence_code=weights.offence_code_sql("c.offence_code"),
        )
    finally:
        conn.unregister("outcome_pattern_input")
    db.run_sql(conn, "3_network/05_cse_seed.sql", child_max_age=s.child_max_age)


@stage_asset(
    "net.cse_seed",
    group=GROUP,
    description=(
        "Nominals with CSE evidence about them (OFFENDER: charged/cautioned/convicted on a CSE crime or subject "
        "of credible CSE intelligence; SUSPECT: other suspects of CSE crimes; VICTIM: child victims). Also "
        "writes net.crime_outcome, net.cse_crime, net.peer_safeguarding_case and net.cse_evidence."
    ),
    deps=["net.edge_evidence", "er.nominal"],
)
def cse_seed(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    s = load_settings()
    with duckdb.get_connection() as conn:
        build_cse_seed(conn, s)
        by_reason = counts_by(conn, "SELECT reason, count(*) FROM net.cse_seed GROUP BY reason ORDER BY reason")
        by_category = counts_by(
            conn, "SELECT cse_category, count(*) FROM net.cse_crime GROUP BY cse_category ORDER BY cse_category"
        )
        by_outcome = counts_by(
            conn, "SELECT outcome_class, count(*) FROM net.crime_outcome GROUP BY outcome_class ORDER BY outcome_class"
        )
        n_seeds = db.scalar(conn, "SELECT count(DISTINCT nominal_id) FROM net.cse_seed")
        return dg.MaterializeResult(
            metadata=table_metadata(
                conn, "net.cse_seed", seeds=int(n_seeds), seeds_by_reason=dg.MetadataValue.json(by_reason),
                cse_coded_crimes_by_category=dg.MetadataValue.json(by_category),
                crimes_by_outcome_class=dg.MetadataValue.json(by_outcome),
            )
        )


@stage_asset(
    "net.node",
    group=GROUP,
    description="Every nominal as a graph node: CSE role, seed reasons, degree and weighted degree.",
    deps=["net.edge", "net.cse_seed", "er.nominal_record"],
)
def node(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        db.run_sql(conn, "3_network/06_node.sql")
        linked = db.scalar(conn, "SELECT count(*) FROM net.node WHERE degree > 0")
        return dg.MaterializeResult(metadata=table_metadata(conn, "net.node", linked_nominals=int(linked)))


@stage_asset(
    "net.network_member",
    group=GROUP,
    description=(
        "CSE networks delineated around the seeds (components, split by seeded Leiden), stable network_ids "
        "inherited from the published analyst.duckdb, members with role, within-network and among-offender "
        "centrality. Also writes net.admission_link, net.network_member_graph, net.member_reason (why each "
        "member is there), net.person_of_concern and net.network_lineage."
    ),
    deps=["net.node", "net.edge", "raw.ocg_member"],
    kinds=("duckdb", "python", "igraph"),
)
def network_member(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    s = load_settings()
    with duckdb.get_connection() as conn:
        graph = load_pair_graph(conn)
        cse_role = dict(
            conn.sql("SELECT nominal_id, cse_role FROM net.node WHERE cse_role IS NOT NULL ORDER BY nominal_id").fetchall()
        )
        evidenced = {
            row[0] for row in conn.sql("SELECT nominal_id FROM net.node WHERE is_evidenced_offender").fetchall()
        }
        source_evals, intel_evals = s.associate_intel_tier()
        db.run_sql(
            conn, "3_network/07_admission_link.sql",
            associate_source_evals=source_evals, associate_intel_evals=intel_evals,
        )
        associate_links = _links(conn, "ASSOCIATE")
        child_links = _links(conn, "CHILD_AT_RISK")
        networks = delineate.delineate(graph, cse_role, evidenced, s, associate_links, child_links)
        names = graph.vs["name"]
        member_names = [[names[v] for v in n.members] for n in networks]
        # A private copy: an analyst holding analyst.duckdb open must not block the run.
        with db.published_snapshot() as published:
            previous, highest = network_ids.previous_networks(published)
        highest = max(highest, network_ids.ledger_watermark(conn))  # ids survive a lost analyst.duckdb
        ids = network_ids.assign_network_ids(member_names, previous, highest)

        # provisional roles (07_member_reason.sql derives the published one from the reasons, the same way)
        role_of = {
            name: cse_role.get(name) or ("CHILD_AT_RISK" if name in child_links else "ASSOCIATE")
            for network in member_names for name in network
        }
        rows = centrality.network_member_centrality(graph, networks, s.random_seed)
        among_offenders = offender_centrality.offender_centrality(graph, networks, role_of, s.random_seed)
        empty = dict.fromkeys(offender_centrality.COLUMNS)
        members = pl.DataFrame(
            [
                {
                    "network_id": ids[r["network_index"]].network_id,
                    "nominal_id": names[r["vertex"]],
                    "member_role": role_of[names[r["vertex"]]],
                    "is_evidenced_offender": names[r["vertex"]] in evidenced,
                    "split_by_leiden": networks[r["network_index"]].split_by_leiden,
                    **{k: v for k, v in r.items() if k not in ("network_index", "vertex")},
                    **among_offenders.get((r["network_index"], r["vertex"]), empty),
                }
                for r in rows
            ],
            schema={
                "network_id": pl.String, "nominal_id": pl.String, "member_role": pl.String,
                "is_evidenced_offender": pl.Boolean,
                "split_by_leiden": pl.Boolean, "degree": pl.Int64, "weighted_degree": pl.Float64,
                "betweenness": pl.Float64, "pagerank": pl.Float64, "eigenvector": pl.Float64,
                "brokerage": pl.Int64,
                "offender_degree": pl.Int64, "offender_weighted_degree": pl.Float64,
                "offender_betweenness": pl.Float64, "offender_pagerank": pl.Float64,
                "offender_eigenvector": pl.Float64,
            },
        )
        lineage = pl.DataFrame(
            {
                "network_id": [i.network_id for i in ids],
                "id_status": [i.id_status for i in ids],
                "previous_overlap": [i.previous_overlap for i in ids],
            },
            schema={"network_id": pl.String, "id_status": pl.String, "previous_overlap": pl.Int64},
        )
        conn.register("network_member_frame", members.to_arrow())
        conn.register("network_lineage_frame", lineage.to_arrow())
        conn.execute(
            "CREATE OR REPLACE TABLE net.network_member_graph AS SELECT * FROM network_member_frame "
            "ORDER BY network_id, nominal_id"
        )
        conn.execute(
            "CREATE OR REPLACE TABLE net.network_lineage AS SELECT * FROM network_lineage_frame ORDER BY network_id"
        )
        conn.unregister("network_member_frame")
        conn.unregister("network_lineage_frame")
        db.run_sql(
            conn, "3_network/07_member_reason.sql",
            child_max_age=s.child_max_age, person_of_concern_min_children=s.person_of_concern_min_children,
        )
        by_role = counts_by(
            conn, "SELECT member_role, count(*) FROM net.network_member GROUP BY member_role ORDER BY member_role"
        )
        kept = sum(i.id_status == "kept" for i in ids)
        return dg.MaterializeResult(
            metadata=table_metadata(
                conn,
                "net.network_member",
                networks=len(networks),
                networks_split_by_leiden=sum(n.split_by_leiden for n in networks),
                network_ids_kept=kept,
                network_ids_new=len(ids) - kept,
                members_by_role=dg.MetadataValue.json(by_role),
                persons_of_concern=int(db.scalar(conn, "SELECT count(*) FROM net.person_of_concern")),
                graph_nodes=graph.vcount(),
                graph_edges=graph.ecount(),
            )
        )


@stage_asset(
    "net.network",
    group=GROUP,
    description="One row per CSE network: members by role, internal links, first/last activity, id lineage.",
    deps=["net.network_member", "net.edge"],
)
def network(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        db.run_sql(conn, "3_network/08_network.sql")
        largest = db.scalar(conn, "SELECT coalesce(max(n_members), 0) FROM net.network")
        return dg.MaterializeResult(metadata=table_metadata(conn, "net.network", largest_network=int(largest)))


@stage_asset(
    "net.network_link",
    group=GROUP,
    description="Links between CSE networks: direct bridging edges and outside brokers, with broker nominal_ids.",
    deps=["net.network_member", "net.edge"],
)
def network_link(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        db.run_sql(conn, "3_network/09_network_link.sql")
        return dg.MaterializeResult(metadata=table_metadata(conn, "net.network_link"))


@stage_asset(
    "net.centrality",
    group=GROUP,
    description="Whole-graph centrality per nominal: degree, weighted degree, betweenness, PageRank, Burt's constraint, brokerage.",
    deps=["net.network_member", "net.node", "net.edge"],
    kinds=("duckdb", "python", "igraph"),
)
def centrality_asset(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    s = load_settings()
    with duckdb.get_connection() as conn:
        graph = load_pair_graph(conn)
        networks = _networks_from_table(conn, graph)
        frame = centrality.graph_centrality(graph, networks, s)
        conn.register("centrality_frame", frame.to_arrow())
        conn.execute("CREATE OR REPLACE TABLE net.centrality AS SELECT * FROM centrality_frame ORDER BY nominal_id")
        conn.unregister("centrality_frame")
        method = frame["betweenness_method"][0] if frame.height else "none"
        return dg.MaterializeResult(
            metadata=table_metadata(conn, "net.centrality", betweenness_method=method)
        )


def _links(conn, admits_as: str) -> dict[str, set[str]]:
    """Non-seed nominal -> the seeds it has admitting links to, of one kind (net.admission_link)."""
    links: dict[str, set[str]] = {}
    for nominal_id, seed_id in conn.sql(
        f"SELECT DISTINCT nominal_id, seed_nominal_id FROM net.admission_link "
        f"WHERE admits AND admits_as = '{admits_as}' ORDER BY 1, 2"
    ).fetchall():
        links.setdefault(nominal_id, set()).add(seed_id)
    return links


def _networks_from_table(conn, graph) -> list[delineate.Network]:
    """The delineated networks as vertex groups of ``graph`` (ordered by network_id)."""
    index = {name: i for i, name in enumerate(graph.vs["name"])}
    groups: dict[str, list[int]] = {}
    for network_id, nominal_id in conn.sql(
        "SELECT network_id, nominal_id FROM net.network_member ORDER BY network_id, nominal_id"
    ).fetchall():
        groups.setdefault(network_id, []).append(index[nominal_id])
    return [delineate.Network(tuple(sorted(v)), False) for _, v in sorted(groups.items())]


@stage_asset(
    "net.graph_export",
    group=GROUP,
    description=(
        "Graph exports under exports/ of the CSE networks and their neighbourhood: GraphML (Gephi) and i2 "
        "Analyst's Notebook entity/link CSVs, all networks and one pair per network. Evidence from "
        "handling-code-C intelligence, and anything derived from it, left out unless the setting allows."
    ),
    deps=["net.node", "net.edge", "net.edge_evidence", "net.network_member", "net.centrality",
          "er.nominal", "raw.ocg_member"],
    kinds=("duckdb", "python", "igraph"),
)
def graph_export(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    s = load_settings()
    with duckdb.get_connection() as conn:
        written = exports.write_exports(conn, settings.paths().exports_dir, s)
    return dg.MaterializeResult(metadata={k: dg.MetadataValue.int(v) for k, v in written.items()})


ASSETS = [
    cse_offence_code,
    edge_evidence,
    edge,
    cse_seed,
    node,
    network_member,
    network,
    network_link,
    centrality_asset,
    graph_export,
]
