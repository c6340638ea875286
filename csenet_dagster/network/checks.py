"""Asset checks of the network stage. Blocking where bad data must not reach analysts."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from csenet_dagster import db, ids
from csenet_dagster.assets_common import check_result, key
from csenet_dagster.network.network_settings import (
    FORBIDDEN_INTEL_EVALS,
    FORBIDDEN_INTEL_SOURCE_EVALS,
    LINK_TYPES,
)
from csenet_dagster.network.network_settings import load as load_settings
from csenet_dagster.redact import masked

EDGE = key("net.edge")
NETWORK = key("net.network")


@dg.asset_check(asset=EDGE, blocking=True, description="No self-loops; pairs ordered nominal_id_a < nominal_id_b; known link types; one row per pair and type.")
@masked("check edge_pairs_well_formed")
def edge_pairs_well_formed(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        self_loops = db.scalar(conn, "SELECT count(*) FROM net.edge WHERE nominal_id_a = nominal_id_b")
        unordered = db.scalar(conn, "SELECT count(*) FROM net.edge WHERE nominal_id_a > nominal_id_b")
        unknown = db.scalar(conn, f"SELECT count(*) FROM net.edge WHERE link_type NOT IN {db.literal(LINK_TYPES)}")
        duplicates = db.scalar(
            conn,
            "SELECT count(*) FROM (SELECT 1 FROM net.edge GROUP BY nominal_id_a, nominal_id_b, link_type HAVING count(*) > 1)",
        )
    return check_result(
        self_loops == 0 and unordered == 0 and unknown == 0 and duplicates == 0,
        self_loops=int(self_loops), unordered_pairs=int(unordered),
        unknown_link_types=int(unknown), duplicate_edges=int(duplicates),
    )


@dg.asset_check(asset=EDGE, blocking=True, description="Every weight is positive and finite.")
@masked("check edge_weights_positive_finite")
def edge_weights_positive_finite(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        bad = db.scalar(
            conn, "SELECT count(*) FROM net.edge WHERE weight IS NULL OR NOT isfinite(weight) OR weight <= 0"
        )
    return check_result(bad == 0, bad_weights=int(bad))


@dg.asset_check(asset=EDGE, blocking=True, description="Every edge has evidence, and every evidence row belongs to an edge.")
@masked("check edge_evidence_present")
def edge_evidence_present(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        without = db.scalar(
            conn,
            """SELECT count(*) FROM net.edge AS e WHERE NOT EXISTS (
                   SELECT 1 FROM net.edge_evidence AS v
                   WHERE v.nominal_id_a = e.nominal_id_a AND v.nominal_id_b = e.nominal_id_b
                     AND v.link_type = e.link_type)""",
        )
        orphan = db.scalar(
            conn,
            """SELECT count(*) FROM net.edge_evidence AS v WHERE NOT EXISTS (
                   SELECT 1 FROM net.edge AS e
                   WHERE v.nominal_id_a = e.nominal_id_a AND v.nominal_id_b = e.nominal_id_b
                     AND v.link_type = e.link_type)""",
        )
        counted = db.scalar(
            conn,
            """SELECT count(*) FROM net.edge AS e JOIN (
                   SELECT nominal_id_a, nominal_id_b, link_type, count(DISTINCT source_ref) AS n
                   FROM net.edge_evidence GROUP BY nominal_id_a, nominal_id_b, link_type) AS v
                 ON v.nominal_id_a = e.nominal_id_a AND v.nominal_id_b = e.nominal_id_b
                AND v.link_type = e.link_type
               WHERE v.n <> e.n_events""",
        )
    return check_result(
        without == 0 and orphan == 0 and counted == 0,
        edges_without_evidence=int(without), evidence_without_edge=int(orphan),
        n_events_mismatch=int(counted),
    )


@dg.asset_check(
    asset=EDGE, blocking=True,
    description="No edge rests on intelligence outside the credibility rule; source 3 and assessments D/E never link.",
)
@masked("check edge_no_excluded_intelligence")
def edge_no_excluded_intelligence(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    s = load_settings()
    with duckdb.get_connection() as conn:
        excluded = db.scalar(
            conn,
            f"""SELECT count(*) FROM net.edge_evidence AS v
                JOIN raw.intel_log AS il ON il.intel_ref = v.source_ref
                WHERE v.source_file = 'intel'
                  AND (il.source_eval IN {db.literal(FORBIDDEN_INTEL_SOURCE_EVALS)}
                       OR il.intel_eval IN {db.literal(FORBIDDEN_INTEL_EVALS)}
                       OR il.source_eval NOT IN {db.literal(s.credible_intel_source_evals())}
                       OR il.intel_eval NOT IN {db.literal(s.credible_intel_evals())})""",
        )
        unknown_log = db.scalar(
            conn,
            """SELECT count(*) FROM net.edge_evidence AS v
               WHERE v.source_file = 'intel'
                 AND NOT EXISTS (SELECT 1 FROM raw.intel_log AS il WHERE il.intel_ref = v.source_ref)""",
        )
        conditional_shareable = db.scalar(
            conn,
            """SELECT count(*) FROM net.edge_evidence AS v
               JOIN raw.intel_log AS il ON il.intel_ref = v.source_ref
               WHERE v.source_file = 'intel' AND il.handling = 'C' AND v.shareable""",
        )
    return check_result(
        excluded == 0 and unknown_log == 0 and conditional_shareable == 0,
        evidence_from_excluded_intel=int(excluded), evidence_from_unknown_log=int(unknown_log),
        handling_c_marked_shareable=int(conditional_shareable),
    )


@dg.asset_check(
    asset=NETWORK, blocking=True,
    description="Networks are sane: each nominal in at most one network, each network has enough offenders, "
    "and no network holds more than max_network_share of all nominals.",
)
@masked("check network_sizes_sane")
def network_sizes_sane(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    s = load_settings()
    with duckdb.get_connection() as conn:
        nominals = db.scalar(conn, "SELECT count(*) FROM net.node")
        largest = db.scalar(conn, "SELECT coalesce(max(n_members), 0) FROM net.network")
        short = db.scalar(
            conn,
            f"SELECT count(*) FROM net.network WHERE n_evidenced_offenders < {int(s.min_network_offenders)} "
            f"OR n_victims < {int(s.min_network_victims)}",
        )
        in_two = db.scalar(
            conn, "SELECT count(*) FROM (SELECT nominal_id FROM net.network_member GROUP BY nominal_id HAVING count(*) > 1)"
        )
        bad_ids = db.scalar(
            conn, f"SELECT count(*) FROM net.network WHERE NOT {ids.NETWORK.sql_is_valid('network_id')}"
        )
    share = (largest / nominals) if nominals else 0.0
    return check_result(
        (share <= s.max_network_share or largest <= s.network_size_check_floor) and short == 0 and in_two == 0 and bad_ids == 0,
        largest_network=int(largest), largest_share=float(round(share, 4)),
        networks_short_of_offenders_or_victims=int(short), nominals_in_two_networks=int(in_two),
        malformed_network_ids=int(bad_ids),
    )


MEMBER = key("net.network_member")


@dg.asset_check(
    asset=MEMBER, blocking=True,
    description="Every OFFENDER/SUSPECT member rests on an admitting CSE reason of that role about that person "
    "(net.member_reason); every VICTIM/CHILD_AT_RISK member on an admitting reason; roles are the v2 vocabulary.",
)
@masked("check member_roles_evidenced")
def member_roles_evidenced(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        unsupported = db.scalar(
            conn,
            """SELECT count(*) FROM net.network_member AS m
               WHERE m.member_role <> 'ASSOCIATE' AND NOT EXISTS (
                   SELECT 1 FROM net.member_reason AS r
                   WHERE r.network_id = m.network_id AND r.nominal_id = m.nominal_id
                     AND r.admits AND r.reason_role = m.member_role)""",
        )
        accused_without_cse = db.scalar(
            conn,
            """SELECT count(*) FROM net.network_member AS m
               WHERE m.member_role IN ('OFFENDER', 'SUSPECT') AND NOT EXISTS (
                   SELECT 1 FROM net.cse_evidence AS e
                   WHERE e.nominal_id = m.nominal_id AND e.seed_role = m.member_role)""",
        )
        unknown = db.scalar(
            conn,
            "SELECT count(*) FROM net.network_member WHERE member_role NOT IN "
            "('OFFENDER', 'SUSPECT', 'VICTIM', 'CHILD_AT_RISK', 'ASSOCIATE') OR member_role IS NULL",
        )
        associates_without_reason = db.scalar(
            conn,
            """SELECT count(*) FROM net.network_member AS m
               WHERE m.member_role = 'ASSOCIATE' AND NOT EXISTS (
                   SELECT 1 FROM net.member_reason AS r
                   WHERE r.network_id = m.network_id AND r.nominal_id = m.nominal_id AND r.admits)""",
        )
    return check_result(
        unsupported == 0 and accused_without_cse == 0 and unknown == 0,
        members_without_supporting_reason=int(unsupported), accused_without_cse_evidence=int(accused_without_cse),
        unknown_roles=int(unknown),
        # an associate whose admitting seeds fell in another community after a Leiden split (reported, not blocking)
        associates_without_reason_in_own_network=int(associates_without_reason),
    )


CHECKS = [
    edge_pairs_well_formed,
    edge_weights_positive_finite,
    edge_evidence_present,
    edge_no_excluded_intelligence,
    network_sizes_sane,
    member_roles_evidenced,
]
