"""Dagster assets of the network stage (group ``network``, keys ``net/...``).

Thin wrappers over ``steps`` (the work: SQL in sql/3_network/, igraph for
delineation and centrality): each opens the working database, runs its step
and reports counts (never person values) as metadata.
"""


import dagster as dg
from dagster_duckdb import DuckDBResource

from csenet_dagster import db, reference_files, settings
from csenet_dagster.network import shareable
from csenet_dagster.assets_common import stage_asset, table_metadata
from csenet_dagster.network import corrections, exports, steps
from csenet_dagster.network.network_settings import load as load_settings

GROUP = "network"
# The offence classification: setting harm.classification_file (a force's own file),
# else the bundled reference/offence_codes.csv (reference_files.py reads it, harm records it).
REFERENCE_CSV = reference_files.OFFENCE_CODES  # the default of reference_files.classification_path


def _counted_step(duckdb: DuckDBResource, step, table: str, counts_name: str) -> dg.MaterializeResult:
    """Run ``step(conn, settings)``, which returns counts by category, and report them with the table."""
    s = load_settings()
    with duckdb.get_connection() as conn:
        counts = step(conn, s)
        return dg.MaterializeResult(metadata=table_metadata(conn, table, **{counts_name: dg.MetadataValue.json(counts)}))


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
            file = steps.build_cse_offence_code(conn)
        except reference_files.WeightsFileError as exc:
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
        "link corrections."
    ),
    deps=[
        "raw.crime", "raw.crime_person", "raw.custody", "raw.intel_log", "raw.intel_person",
        "raw.missing_person", "raw.vehicle", "er.nominal_record", "er.person_std", "er.person_record",
        "net.cse_offence_code",
    ],
    also_writes={
        "net.crime_party": "Each nominal's part in each crime (role, CSE offence, outcome)",
        "net.intel_party": "Each nominal's part in each credible intelligence log",
        "net.missing_party": "Each nominal's part in each missing-person episode",
        "net.edge_evidence_candidate": "Linking events before analysts' link corrections",
        "net.shared_attribute_holder": "Nominals holding each shared address, phone or vehicle",
        "net.shared_attribute_summary": "Per shared-attribute link type, attributes too common to link",
        "net.link_correction": "Analysts' link corrections (links.csv) with what each removed (audited per run)",
    },
)
def edge_evidence(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    s = load_settings()
    link_corrections = corrections.load_link_corrections()
    with duckdb.get_connection() as conn:
        try:
            counts = steps.build_edge_evidence(conn, s, link_corrections)
        except steps.UnresolvedPersonRef as exc:
            raise dg.Failure(description=str(exc)) from None
        context.log.info(f"evidence rows by link type: {counts['by_type']}")
        return dg.MaterializeResult(
            metadata=table_metadata(
                conn,
                "net.edge_evidence",
                evidence_by_link_type=dg.MetadataValue.json(counts["by_type"]),
                shared_attributes_too_common=dg.MetadataValue.json(counts["too_common"]),
                link_corrections=len(link_corrections),
                link_corrections_applied=counts["corrections_applied"],
                evidence_not_shareable=counts["not_shareable"],
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
    return _counted_step(duckdb, steps.build_edge, "net.edge", "edges_by_link_type")


@stage_asset(
    "net.cse_seed",
    group=GROUP,
    description=(
        "Nominals with CSE evidence about them (OFFENDER: charged/cautioned/convicted on a CSE crime or subject "
        "of credible CSE intelligence; SUSPECT: other suspects of CSE crimes; VICTIM: child victims)."
    ),
    deps=["net.edge_evidence", "net.crime_party", "net.intel_party", "er.nominal"],
    also_writes={
        "net.outcome_pattern": "The configured crime-outcome patterns (settings), by precedence",
        "net.crime_outcome": "Each crime's outcome class (NO_CRIME, ELIMINATED, NOT_PROCEEDED, CHARGED, OPEN)",
        "net.cse_crime": "Crimes on the CSE list with their category (VOID, NO_CHILD_VICTIM, PEER, CSE)",
        "net.peer_safeguarding_case": "CSE-listed crimes where every suspect was a child",
        "net.cse_evidence": "The evidence behind each CSE seed reason",
    },
)
def cse_seed(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    s = load_settings()
    with duckdb.get_connection() as conn:
        steps.build_cse_seed(conn, s)
        by_reason = steps.counts_by(conn, "SELECT reason, count(*) FROM net.cse_seed GROUP BY reason ORDER BY reason")
        by_category = steps.counts_by(
            conn, "SELECT cse_category, count(*) FROM net.cse_crime GROUP BY cse_category ORDER BY cse_category"
        )
        by_outcome = steps.counts_by(
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
    deps=["net.edge", "net.cse_seed", "net.crime_party", "er.nominal_record"],
)
def node(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        linked = steps.build_node(conn)
        return dg.MaterializeResult(metadata=table_metadata(conn, "net.node", linked_nominals=linked))


@stage_asset(
    "net.admission_link",
    group=GROUP,
    description="Links that may admit a non-seed nominal to a seed's network (as ASSOCIATE or CHILD_AT_RISK), "
    "and whether they do (docs/network.md).",
    deps=["net.node", "net.edge", "net.intel_party", "net.missing_party"],
)
def admission_link(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    return _counted_step(duckdb, steps.build_admission_link, "net.admission_link", "admitting_by_kind")


@stage_asset(
    "net.network_member",
    group=GROUP,
    description=(
        "CSE networks delineated around the seeds (components, split by seeded Leiden), stable network_ids "
        "inherited from the previous published run (prev/network_member), members with role, within-network "
        "and among-offender centrality."
    ),
    deps=["net.node", "net.edge", "net.admission_link", "net.intel_party", "net.missing_party", "raw.ocg_member",
          "prev.network_member", "prev.id_watermark"],
    kinds=("duckdb", "python", "igraph"),
    also_writes={
        "net.network_member_graph": "Members as delineated, with provisional role and centrality",
        "net.network_lineage": "Each network id: kept from the previous published run or new, with the overlap",
        "net.member_reason": "Why each member is in each network (reasons, evidence refs, dates)",
        "net.person_of_concern": "Adults with whom unrelated missing children were found (a flag, not a role)",
    },
)
def network_member(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    s = load_settings()
    with duckdb.get_connection() as conn:
        counts = steps.build_network_member(conn, s)
        by_role = counts.pop("members_by_role")
        return dg.MaterializeResult(
            metadata=table_metadata(conn, "net.network_member", members_by_role=dg.MetadataValue.json(by_role), **counts)
        )


@stage_asset(
    "net.network",
    group=GROUP,
    description="One row per CSE network: members by role, internal links, first/last activity, id lineage.",
    deps=["net.network_member", "net.network_lineage", "net.edge"],
)
def network(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        largest = steps.build_network(conn)
        return dg.MaterializeResult(metadata=table_metadata(conn, "net.network", largest_network=largest))


@stage_asset(
    "net.network_link",
    group=GROUP,
    description="Links between CSE networks: direct bridging edges and outside brokers, with broker nominal_ids.",
    deps=["net.network_member", "net.edge"],
)
def network_link(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        steps.build_network_link(conn)
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
        method = steps.build_centrality(conn, s)
        return dg.MaterializeResult(
            metadata=table_metadata(conn, "net.centrality", betweenness_method=method)
        )


@stage_asset(
    "net.shareable",
    group=GROUP,
    description=(
        "The network stage run again in the shareable picture (catalog shareable in shareable.duckdb: the "
        "delivery without handling-code-C intelligence, person records rebuilt from it, csenet_dagster/network/shareable.py): "
        "the members, edges, weights and dates graph exports and dossiers show."
    ),
    deps=["net.network_member", "net.edge_evidence", "net.cse_offence_code", "er.nominal_record", "er.person_record",
          "prev.id_watermark", "raw.ocg_member", "raw.quarantined_person"],
    kinds=("duckdb", "python", "igraph"),
    also_writes={"net.shareable_network_id": "Network ids of the shareable picture (raise the published id_watermark)"},
)
def shareable_network(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    s = load_settings()
    with duckdb.get_connection() as conn:
        counts = shareable.build_network_picture(conn, s)
    return dg.MaterializeResult(metadata={k: dg.MetadataValue.int(v) for k, v in counts.items()})


@stage_asset(
    "net.graph_export",
    group=GROUP,
    description=(
        "Graph exports under exports/ of the CSE networks and their neighbourhood: GraphML (Gephi) and i2 "
        "Analyst's Notebook entity/link CSVs, all networks and one pair per network. Written from the "
        "shareable picture (net/shareable: nothing derived from handling-code-C intelligence; its export "
        "tables net.export_* stay in that catalog) unless the setting network.export_conditional_intel asks "
        "for the full one."
    ),
    deps=["net.shareable", "net.node", "net.edge", "net.edge_evidence", "net.shared_attribute_holder",
          "net.network_member", "net.centrality", "er.nominal", "raw.ocg_member"],
    kinds=("duckdb", "python", "igraph"),
)
def graph_export(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    s = load_settings()
    with duckdb.get_connection() as conn, shareable.picture(conn, s.export_conditional_intel):
        written = exports.write_exports(conn, settings.paths().exports_dir, s)
    return dg.MaterializeResult(metadata={k: dg.MetadataValue.int(v) for k, v in written.items()})


ASSETS = [
    cse_offence_code,
    edge_evidence,
    edge,
    cse_seed,
    node,
    admission_link,
    network_member,
    network,
    network_link,
    centrality_asset,
    shareable_network,
    graph_export,
]
