"""Asset checks of the harm stage. Metadata carry codes, counts and ids only.

Each check is a SQL file of ``sql/4_harm/checks/`` counting rule breaches (``sql_checks``).
The one exception is ``offence_codes_in_reference`` (WARN): its description names the
delivery's code-shaped values on fallback weights, which a count cannot say.
"""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from csenet_dagster import assets_common
from csenet_dagster.db import SqlFragment
from csenet_dagster.harm import config, scoring
from csenet_dagster.redact import masked
from csenet_dagster.safe_text import format_share
from csenet_dagster.sql_checks import SqlCheck, sql_asset_checks

SQL = "4_harm/checks"


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


def non_negative(table: str, columns: tuple[str, ...], description: str, score_required: bool) -> SqlCheck:
    """Blocking: no negative value in ``columns`` (and, if required, no null harm_score)."""
    params = {
        "table": SqlFragment(table),
        "negative": SqlFragment(" OR ".join(f"{c} < 0" for c in columns)),
        "missing": SqlFragment("harm_score IS NULL" if score_required else "FALSE"),
    }
    return SqlCheck(f"{table.split('.')[1]}_non_negative", table, f"{SQL}/harm_non_negative.sql", description,
                    params=lambda: params)


def rank_is_permutation(name: str, table: str, one_row_per: str, description: str) -> SqlCheck:
    """Blocking: ``priority_rank`` of ``table`` is exactly 1..n, one row per row of ``one_row_per``."""
    params = {"table": SqlFragment(table), "rank_column": SqlFragment("priority_rank"), "expected": SqlFragment(one_row_per)}
    return SqlCheck(name, table, f"{SQL}/rank_permutation_faults.sql", description,
                    params=lambda: params, reported=("n_ranked",))


HARM_CHECKS = (
    SqlCheck(
        "every_coded_crime_weighted", "harm.crime_harm", f"{SQL}/every_coded_crime_weighted.sql",
        "Every crime with an offence code has a harm weight (its own or a fallback): none is left unscored.",
    ),
    non_negative("harm.crime_harm", ("harm_days", "recent_harm"), "No crime has negative harm.", score_required=False),
    non_negative("harm.nominal_harm", ("harm_score", "harm_total_days"),
                 "Every nominal's harm is present and non-negative.", score_required=True),
    non_negative("harm.network_harm", ("harm_score", "harm_total_days", "member_harm_sum"),
                 "Every network has a non-negative harm score.", score_required=True),
    rank_is_permutation("network_rank_is_permutation", "harm.network_priority", "net.network",
                        "priority_rank is exactly 1..n over all networks, one row per network of net.network."),
    # Every ranked nominal is a row of the table itself: only the 1..n rule can fail.
    rank_is_permutation("nominal_rank_is_permutation", "harm.nominal_priority", "harm.nominal_priority",
                        "priority_rank of ranked nominals is exactly 1..n."),
    SqlCheck(
        "explanation_adds_up", "harm.explanation", f"{SQL}/explanation_not_adding_up.sql",
        "For every network and explained nominal, the SCORE parts add up to its priority score.",
    ),
    SqlCheck(
        "soc_link_valid", "harm.soc_link", f"{SQL}/soc_link_invalid.sql",
        "One row per network and group, a known link kind, positive strength, a network that exists.",
    ),
    SqlCheck(
        "no_victim_ranked", "harm.nominal_priority", f"{SQL}/no_victim_ranked.sql",
        "No victim or child at risk (harm.protected_nominal) is ranked as a target.",
    ),
)

CHECKS = [offence_codes_in_reference, *sql_asset_checks(HARM_CHECKS)]
