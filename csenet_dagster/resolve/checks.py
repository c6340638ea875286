"""Asset checks of the resolve stage: blocking where a bad crosswalk must not reach analysts.

Each check is a SQL file of ``sql/2_resolve/checks/`` counting rule breaches
(``sql_checks``); metadata are counts and rates only, never names or other person values.
"""

from __future__ import annotations

from csenet_dagster.resolve import config as resolve_config
from csenet_dagster.sql_checks import SqlCheck, sql_asset_checks

SQL = "2_resolve/checks"

RESOLVE_CHECKS = (
    SqlCheck(
        "every_record_once", "er.nominal_record", f"{SQL}/every_record_once.sql",
        "Every person_ref of the delivery appears exactly once, with a well-formed nominal_id.",
    ),
    SqlCheck(
        "no_oversized_nominal", "er.nominal", f"{SQL}/no_oversized_nominal.sql",
        "No nominal has more records than max_cluster_size (a sign of chained false matches).",
        params=lambda: {"max_cluster_size": int(resolve_config.load().max_cluster_size)},
        reported=("largest_nominal",),
    ),
    SqlCheck(
        "no_conflicting_pnc", "er.nominal", f"{SQL}/no_conflicting_pnc.sql",
        "No nominal holds two different valid PNC ids (two people joined).",
    ),
    SqlCheck(
        "linkage_rate", "er.nominal_record", f"{SQL}/linkage_rate.sql",
        "Share of records linked to another record, and the distribution of nominal sizes. "
        "Warns when almost nothing links (a broken model or standardisation).",
        blocking=False, warn=True,
        params=lambda: {"min_linked_share": float(resolve_config.load().min_linked_share)},
        reported=("records", "linked_records", "linked_share", "nominals"),
    ),
)

CHECKS = sql_asset_checks(RESOLVE_CHECKS)
