"""Asset checks of the harm stage. Metadata carry codes, counts and ids only."""

from __future__ import annotations

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from csenet_dagster import assets_common, db
from csenet_dagster.harm import scoring


def negative_harm_rows(conn: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...]) -> int:
    condition = " OR ".join(f"{c} < 0" for c in columns)
    return int(db.scalar(conn, f"SELECT count(*) FROM {table} WHERE {condition}"))


def rank_permutation_faults(conn: duckdb.DuckDBPyConnection, table: str, rank_column: str) -> int:
    """Rows breaking "ranks are exactly 1..n": null, out of range or repeated."""
    query = db.render_sql(
        "4_harm/checks/rank_permutation_faults.sql",
        {"table": db.SqlFragment(table), "rank_column": db.SqlFragment(rank_column)},
    )
    return int(db.scalar(conn, query))


@dg.asset_check(
    asset=assets_common.key("harm.crime_harm"),
    name="every_offence_code_weighted",
    blocking=True,
    description="Every offence code met in crime.csv or custody.csv has a harm weight; unweighted codes are listed.",
)
def every_offence_code_weighted(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        missing = scoring.unweighted_offence_codes(conn)
    codes = sorted({code for code, _, _ in missing})
    return assets_common.check_result(
        not missing,
        f"offence codes without a harm weight: {', '.join(codes)}" if codes else "",
        n_unweighted_codes=len(codes),
        n_rows_affected=sum(n for _, _, n in missing),
        unweighted_codes=dg.MetadataValue.text(", ".join(f"{c} ({f}: {n})" for c, f, n in missing)),
    )


def harm_non_negative_check(
    table: str, columns: tuple[str, ...], description: str, score_required: bool
) -> dg.AssetChecksDefinition:
    """Blocking check: no negative value in ``columns`` (and, if required, no null harm_score)."""

    @dg.asset_check(
        asset=assets_common.key(table),
        name=f"{table.split('.')[1]}_non_negative",
        blocking=True,
        description=description,
    )
    def _check(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        with duckdb.get_connection() as conn:
            n = negative_harm_rows(conn, table, columns)
            if not score_required:
                return assets_common.check_result(n == 0, n_negative=n)
            n_null = int(db.scalar(conn, f"SELECT count(*) FROM {table} WHERE harm_score IS NULL"))
        return assets_common.check_result(n == 0 and n_null == 0, n_negative=n, n_null=n_null)

    return _check


crime_harm_non_negative = harm_non_negative_check(
    "harm.crime_harm", ("harm_days", "recent_harm"), "No crime has negative harm.", score_required=False
)
nominal_harm_non_negative = harm_non_negative_check(
    "harm.nominal_harm", ("harm_score", "harm_total_days"),
    "Every nominal's harm is present and non-negative.", score_required=True,
)
network_harm_non_negative = harm_non_negative_check(
    "harm.network_harm", ("harm_score", "harm_total_days", "member_harm_sum"),
    "Every network has a non-negative harm score.", score_required=True,
)


@dg.asset_check(
    asset=assets_common.key("harm.network_priority"),
    name="network_rank_is_permutation",
    blocking=True,
    description="priority_rank is exactly 1..n over all networks, one row per network of net.network.",
)
def network_rank_is_permutation(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        faults = rank_permutation_faults(conn, "harm.network_priority", "priority_rank")
        n_ranked = db.row_count(conn, "harm.network_priority")
        n_networks = db.row_count(conn, "net.network")
    return assets_common.check_result(
        faults == 0 and n_ranked == n_networks, n_rank_faults=faults, n_ranked=n_ranked, n_networks=n_networks
    )


@dg.asset_check(
    asset=assets_common.key("harm.nominal_priority"),
    name="nominal_rank_is_permutation",
    blocking=True,
    description="priority_rank of ranked nominals is exactly 1..n.",
)
def nominal_rank_is_permutation(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        faults = rank_permutation_faults(conn, "harm.nominal_priority", "priority_rank")
        n_ranked = db.row_count(conn, "harm.nominal_priority")
    return assets_common.check_result(faults == 0, n_rank_faults=faults, n_ranked=n_ranked)


@dg.asset_check(
    asset=assets_common.key("harm.explanation"),
    name="explanation_adds_up",
    blocking=True,
    description="For every network and explained nominal, the SCORE parts add up to its priority score.",
)
def explanation_adds_up(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        n_bad = int(db.scalar(conn, db.render_sql("4_harm/checks/explanation_not_adding_up.sql")))
    return assets_common.check_result(n_bad == 0, n_subjects_not_adding_up=n_bad)


@dg.asset_check(
    asset=assets_common.key("harm.soc_link"),
    name="soc_link_valid",
    blocking=True,
    description="One row per network and group, a known link kind, positive strength, a network that exists.",
)
def soc_link_valid(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        n_bad = int(db.scalar(conn, db.render_sql("4_harm/checks/soc_link_invalid.sql")))
    return assets_common.check_result(n_bad == 0, n_invalid_rows=n_bad)


CHECKS = [
    every_offence_code_weighted,
    crime_harm_non_negative,
    nominal_harm_non_negative,
    network_harm_non_negative,
    network_rank_is_permutation,
    nominal_rank_is_permutation,
    explanation_adds_up,
    soc_link_valid,
]
