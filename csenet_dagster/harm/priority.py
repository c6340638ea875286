"""SOC links, network harm, priority ranks and explanations (sql/4_harm/05-09)."""

from __future__ import annotations

from typing import Any

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from csenet_dagster import assets_common, db
from csenet_dagster.network import shareable
from csenet_dagster.harm import config, scoring
from csenet_dagster.harm.scoring import GROUP, sql_params
from csenet_dagster.previous import snapshot


def priority_params(conn: duckdb.DuckDBPyConnection, cfg: config.HarmSettings) -> dict[str, Any]:
    params = sql_params(conn, cfg)
    params.update(
        points_per_recent_victim=float(cfg.points_per_recent_victim),
        points_per_missing_child=float(cfg.points_per_missing_child),
        points_per_new_member=float(cfg.points_per_new_member),
        points_per_ocg_link=float(cfg.points_per_ocg_link),
        ocg_kind_factor_shared_member=float(cfg.ocg_kind_factor_shared_member),
        ocg_kind_factor_direct_link=float(cfg.ocg_kind_factor_direct_link),
        ocg_kind_factor_two_step=float(cfg.ocg_kind_factor_two_step),
        ocg_archived_factor=float(cfg.ocg_archived_factor),
        explain_top_nominals=int(cfg.explain_top_nominals),
    )
    return params


def build_soc_link(conn: duckdb.DuckDBPyConnection, cfg: config.HarmSettings) -> None:
    db.run_sql(
        conn,
        "4_harm/06_soc_link.sql",
        shared_member_strength=float(cfg.shared_member_strength),
        two_step_discount=float(cfg.two_step_discount),
        two_step_max_paths=int(cfg.two_step_max_paths),
        band_tier_1=float(cfg.band_tier_1), band_tier_2=float(cfg.band_tier_2), band_tier_3=float(cfg.band_tier_3),
        band_letter_a=float(cfg.band_letter_a), band_letter_b=float(cfg.band_letter_b),
        band_letter_c=float(cfg.band_letter_c),
    )


def build_network_harm(conn: duckdb.DuckDBPyConnection, cfg: config.HarmSettings) -> None:
    db.run_sql(conn, "4_harm/07_network_harm.sql", **sql_params(conn, cfg))


def build_network_priority(conn: duckdb.DuckDBPyConnection, cfg: config.HarmSettings) -> None:
    """harm.network_priority; previous ranks from the prev.* snapshot of the previous published run."""
    db.run_sql(conn, "4_harm/08_network_priority.sql", **priority_params(conn, cfg))


def build_nominal_priority(conn: duckdb.DuckDBPyConnection, cfg: config.HarmSettings) -> None:
    db.run_sql(conn, "4_harm/09_nominal_priority.sql", **priority_params(conn, cfg))


def build_explanation(conn: duckdb.DuckDBPyConnection, cfg: config.HarmSettings) -> None:
    db.run_sql(conn, "4_harm/10_explanation.sql")


def build_child_safeguarding(conn: duckdb.DuckDBPyConnection, cfg: config.HarmSettings) -> None:
    db.run_sql(
        conn,
        "4_harm/11_child_safeguarding.sql",
        **sql_params(conn, cfg),
        points_per_linked_offender=float(cfg.safeguarding_points_per_linked_offender),
        points_per_recent_missing_episode=float(cfg.safeguarding_points_per_recent_missing_episode),
        recency_points=float(cfg.safeguarding_recency_points),
    )


def build_all(conn: duckdb.DuckDBPyConnection, cfg: config.HarmSettings, take_snapshot: bool = True) -> None:
    """Every table from soc_link to explanation, in dependency order, after the prev.* snapshot of
    the previous published run (tests and benchmarks); without ``take_snapshot`` over the prev.*
    tables already in place (the shareable picture's, csenet_dagster/network/shareable.py)."""
    if take_snapshot:
        snapshot.take(conn)
    build_soc_link(conn, cfg)
    build_network_harm(conn, cfg)
    build_network_priority(conn, cfg)
    build_nominal_priority(conn, cfg)
    build_explanation(conn, cfg)
    build_child_safeguarding(conn, cfg)


@assets_common.stage_asset(
    "harm.soc_link",
    group=GROUP,
    description="CSE network to organised crime group links: shared members, direct links, two-step links.",
    deps=["net.network_member", "net.edge", "net.cse_seed", "raw.ocg_member", "er.nominal_record", "harm.crime_harm",
          "harm.crime_party"],
    also_writes={
        "harm.ocg": "Organised crime groups of the delivery with band and status",
        "harm.ocg_nominal": "Nominals mapped to each OCG",
        "harm.protected_nominal": "Victims and children at risk: never ranked, no network harm, no SOC path",
        "harm.soc_link_path": "Each shared member, direct edge or two-step path behind a SOC link",
    },
)
def soc_link(duckdb: DuckDBResource) -> dg.MaterializeResult:
    cfg = config.load()
    with duckdb.get_connection() as conn:
        build_soc_link(conn, cfg)
        kinds = dict(conn.sql("SELECT link_kind, count(*) FROM harm.soc_link GROUP BY link_kind").fetchall())
        return dg.MaterializeResult(
            metadata=assets_common.table_metadata(
                conn,
                "harm.soc_link",
                n_shared_member=int(kinds.get("SHARED_MEMBER", 0)),
                n_direct_link=int(kinds.get("DIRECT_LINK", 0)),
                n_two_step=int(kinds.get("TWO_STEP", 0)),
                n_networks_linked=int(db.scalar(conn, "SELECT count(DISTINCT network_id) FROM harm.soc_link")),
            )
        )


@assets_common.stage_asset(
    "harm.network_harm",
    group=GROUP,
    description="Network harm (sum and concentration of its crimes' harm), victims, missing children, activity, OCG links.",
    deps=["harm.nominal_harm", "harm.soc_link", "harm.protected_nominal", "harm.crime_party", "net.network",
          "net.network_member", "net.edge", "net.cse_crime", "raw.missing_person", "er.person_record"],
    also_writes={
        "harm.network_crime": "Each network's crimes and how they reach it",
        "harm.network_victim": "Each network's victims",
        "harm.network_missing": "Missing episodes of each network's children",
    },
)
def network_harm(duckdb: DuckDBResource) -> dg.MaterializeResult:
    cfg = config.load()
    with duckdb.get_connection() as conn:
        build_network_harm(conn, cfg)
        stats = conn.sql(
            "SELECT count(*) FILTER (WHERE is_active), coalesce(sum(n_missing_children), 0) FROM harm.network_harm"
        ).fetchall()[0]
        return dg.MaterializeResult(
            metadata=assets_common.table_metadata(
                conn, "harm.network_harm", n_active_networks=int(stats[0]), n_missing_children_in_orbit=int(stats[1])
            )
        )


@assets_common.stage_asset(
    "harm.network_priority",
    group=GROUP,
    description="Priority score and rank (1 = highest) of every CSE network: recent harm + threat points.",
    deps=["harm.network_harm", "harm.network_crime", "harm.network_victim", "harm.network_missing", "prev.network"],
    also_writes={"harm.network_score_item": "The parts of each network's priority score"},
)
def network_priority(duckdb: DuckDBResource) -> dg.MaterializeResult:
    cfg = config.load()
    with duckdb.get_connection() as conn:
        build_network_priority(conn, cfg)
        top = conn.sql("SELECT network_id FROM harm.network_priority ORDER BY priority_rank LIMIT 10").fetchall()
        return dg.MaterializeResult(
            metadata=assets_common.table_metadata(
                conn,
                "harm.network_priority",
                top_network_ids=dg.MetadataValue.text(", ".join(r[0] for r in top)),
                previous_run_found=db.row_count(conn, "prev.run") > 0,
            )
        )


@assets_common.stage_asset(
    "harm.nominal_priority",
    group=GROUP,
    description="Ranked list of nominals (1 = highest): recent harm + victims, missing children, OCG membership.",
    deps=["harm.network_priority", "harm.crime_party", "harm.ocg", "harm.ocg_nominal", "harm.protected_nominal"],
    also_writes={"harm.nominal_score_item": "The parts of each nominal's priority score"},
)
def nominal_priority(duckdb: DuckDBResource) -> dg.MaterializeResult:
    cfg = config.load()
    with duckdb.get_connection() as conn:
        build_nominal_priority(conn, cfg)
        return dg.MaterializeResult(metadata=assets_common.table_metadata(conn, "harm.nominal_priority"))


@assets_common.stage_asset(
    "harm.explanation",
    group=GROUP,
    description="Score breakdown of every network and top nominal (parts add up to the score) and changes since the last published run.",
    deps=["harm.network_priority", "harm.nominal_priority", "harm.network_score_item", "harm.nominal_score_item",
          "harm.network_crime", "prev.run", "prev.network_member", "prev.edge", "prev.network_crime"],
)
def explanation(duckdb: DuckDBResource) -> dg.MaterializeResult:
    cfg = config.load()
    with duckdb.get_connection() as conn:
        build_explanation(conn, cfg)
        changes = dict(
            conn.sql("SELECT component, count(*) FROM harm.explanation WHERE section = 'CHANGE' GROUP BY component").fetchall()
        )
        return dg.MaterializeResult(
            metadata=assets_common.table_metadata(
                conn, "harm.explanation", **{f"n_change_{k.lower()}": int(v) for k, v in sorted(changes.items())}
            )
        )


@assets_common.stage_asset(
    "harm.child_safeguarding",
    group=GROUP,
    description=(
        "Children csenet protects (CSE victims, children at risk), ranked for safeguarding review by the "
        "offenders they are linked to, recent missing episodes and recency. Never targets."
    ),
    deps=["harm.soc_link", "harm.protected_nominal", "net.network_member", "net.cse_seed", "net.edge",
          "raw.missing_person"],
)
def child_safeguarding(duckdb: DuckDBResource) -> dg.MaterializeResult:
    cfg = config.load()
    with duckdb.get_connection() as conn:
        build_child_safeguarding(conn, cfg)
        return dg.MaterializeResult(metadata=assets_common.table_metadata(conn, "harm.child_safeguarding"))


def build_shareable_harm(conn: duckdb.DuckDBPyConnection, cfg: config.HarmSettings) -> dict[str, int]:
    """The harm stage again, in the shareable picture (csenet_dagster/network/shareable.py), after the network
    stage's run there: crime and nominal harm, SOC links, network harm, priority, explanation. Its
    prev.* tables are the ones net/shareable set (no previous run: the published file holds no
    shareable state, so this picture lists no changes)."""
    with shareable.using_shareable(conn) as work:
        db.run_sql(conn, "4_harm/12_shareable_input.sql", work=db.identifier(work))
        scoring.build_crime_harm(conn, cfg)
        scoring.build_nominal_harm(conn, cfg)
        build_all(conn, cfg, take_snapshot=False)
        return {"shareable_networks_ranked": int(db.scalar(conn, "SELECT count(*) FROM harm.network_priority"))}


@assets_common.stage_asset(
    "harm.shareable",
    group=GROUP,
    description=(
        "The harm stage run again in the shareable picture (catalog shareable: the delivery without "
        "handling-code-C intelligence, csenet_dagster/network/shareable.py), after net/shareable: the harm, "
        "scores and ranks dossiers show."
    ),
    deps=["net.shareable", "harm.offence_weight"],
)
def shareable_harm(duckdb: DuckDBResource) -> dg.MaterializeResult:
    cfg = config.load()
    with duckdb.get_connection() as conn:
        counts = build_shareable_harm(conn, cfg)
    return dg.MaterializeResult(metadata={k: dg.MetadataValue.int(v) for k, v in counts.items()})


ASSETS = [soc_link, network_harm, network_priority, nominal_priority, explanation, child_safeguarding, shareable_harm]
