"""Asset checks of the harm stage. Metadata carry codes, counts and ids only."""

from __future__ import annotations

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from csenet_dagster import assets_common, db
from csenet_dagster.harm import config, scoring
from csenet_dagster.redact import masked


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


def format_share(share: float) -> str:
    """A share as a percentage that never shows a non-zero share as 0.00%."""
    return "<0.01%" if 0 < share < 0.00005 else f"{share:.2%}"


def unknown_codes_result(
    unknown: list[tuple], shares: tuple[float, float], listed_max: int
) -> dg.AssetCheckResult:
    """WARN result naming the delivery's codes on fallback weights.

    Only values of offence-code shape are named (at most ``listed_max``); any other
    value (a hostile delivery can put anything in any field) is only counted.
    Delivered titles never appear: they may go into the analyst database only.
    """
    shaped = [row for row in unknown if row[0] is not None and row[1]]
    n_non_code = sum(1 for row in unknown if row[0] is not None and not row[1])
    n_no_code_rows = sum(int(row[2]) + int(row[3]) for row in unknown if row[0] is None)
    listed = [f"{code} ({fallback.lower()}: {days:g} days; crime {n_crime}, custody {n_custody})"
              for code, _, n_crime, n_custody, fallback, days in shaped[:listed_max]]
    more = len(shaped) - len(listed)
    parts = []
    if shaped:
        names = ", ".join(row[0] for row in shaped[:listed_max]) + (f" and {more} more" if more else "")
        parts.append(f"{len(shaped)} offence code(s) outside the weights take fallback weights: {names}")
    if n_non_code:
        parts.append(f"{n_non_code} non-code value(s) in offence_code take the default weight")
    if n_no_code_rows:
        parts.append(f"{n_no_code_rows} row(s) without an offence code carry no harm")
    share, recent_share = shares
    if parts:
        parts.append(f"{format_share(share)} of crime harm ({format_share(recent_share)} of recent harm) rests on fallback weights; "
                     "see analyst table unknown_offence_code")
    return dg.AssetCheckResult(
        passed=not unknown,
        severity=dg.AssetCheckSeverity.WARN,
        description="; ".join(parts) or None,
        metadata={
            "n_unknown_codes": len(shaped),
            "n_non_code_values": n_non_code,
            "n_rows_without_code": n_no_code_rows,
            "n_rows_affected": sum(int(row[2]) + int(row[3]) for row in unknown),
            "unknown_codes": dg.MetadataValue.text("; ".join(listed) + (f"; and {more} more" if more else "")),
            "share_of_crime_harm_on_fallback": float(round(share, 6)),
            "share_of_recent_harm_on_fallback": float(round(recent_share, 6)),
        },
    )


@dg.asset_check(
    asset=assets_common.key("harm.crime_harm"),
    name="offence_codes_in_reference",
    blocking=False,
    description=(
        "Warns when offence codes of crime.csv or custody.csv are outside the weights and took a fallback "
        "weight (their Home Office class's, or the default); names code-shaped values only, counts the rest, "
        "and says what share of crime harm rests on fallback weights."
    ),
)
@masked("check offence_codes_in_reference")
def offence_codes_in_reference(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        unknown = scoring.unknown_offence_codes(conn)
        shares = scoring.fallback_harm_share(conn)
    return unknown_codes_result(unknown, shares, config.load().unknown_codes_listed_max)


@dg.asset_check(
    asset=assets_common.key("harm.crime_harm"),
    name="every_coded_crime_weighted",
    blocking=True,
    description="Every crime with an offence code has a harm weight (its own or a fallback): none is left unscored.",
)
@masked("check every_coded_crime_weighted")
def every_coded_crime_weighted(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        n = int(db.scalar(
            conn,
            "SELECT count(*) FROM harm.crime_harm WHERE harm_days IS NULL AND coalesce(offence_code, '') <> ''",
        ))
    return assets_common.check_result(n == 0, f"{n} coded crimes without a harm weight" if n else "", n_unweighted_crimes=n)


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
    @masked(f"check {table.split('.')[1]}_non_negative")
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
@masked("check network_rank_is_permutation")
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
@masked("check nominal_rank_is_permutation")
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
@masked("check explanation_adds_up")
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
@masked("check soc_link_valid")
def soc_link_valid(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        n_bad = int(db.scalar(conn, db.render_sql("4_harm/checks/soc_link_invalid.sql")))
    return assets_common.check_result(n_bad == 0, n_invalid_rows=n_bad)


@dg.asset_check(
    asset=assets_common.key("harm.nominal_priority"),
    name="no_victim_ranked",
    blocking=True,
    description="No victim or child at risk (harm.protected_nominal) is ranked as a target.",
)
@masked("check no_victim_ranked")
def no_victim_ranked(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        n = int(db.scalar(
            conn,
            """SELECT count(*) FROM harm.nominal_priority AS p
               WHERE EXISTS (SELECT 1 FROM harm.protected_nominal AS v WHERE v.nominal_id = p.nominal_id)
                  OR EXISTS (SELECT 1 FROM net.network_member AS m
                             WHERE m.nominal_id = p.nominal_id AND m.member_role IN ('VICTIM', 'CHILD_AT_RISK'))""",
        ))
    return assets_common.check_result(n == 0, n_victims_ranked=n)


CHECKS = [
    offence_codes_in_reference,
    every_coded_crime_weighted,
    crime_harm_non_negative,
    nominal_harm_non_negative,
    network_harm_non_negative,
    network_rank_is_permutation,
    nominal_rank_is_permutation,
    explanation_adds_up,
    soc_link_valid,
    no_victim_ranked,
]
