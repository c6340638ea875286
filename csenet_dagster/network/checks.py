"""Asset checks of the network stage. Blocking where bad data must not reach analysts.

Each check is a SQL file of ``sql/3_network/checks/`` counting rule breaches (``sql_checks``).
"""

from __future__ import annotations

from typing import Any

from csenet_dagster.network.network_settings import (
    FORBIDDEN_INTEL_EVALS,
    FORBIDDEN_INTEL_SOURCE_EVALS,
    LINK_TYPES,
)
from csenet_dagster.network.network_settings import load as load_settings
from csenet_dagster.sql_checks import SqlCheck, sql_asset_checks

SQL = "3_network/checks"


def credibility_params() -> dict[str, Any]:
    s = load_settings()
    return {
        "forbidden_source_evals": FORBIDDEN_INTEL_SOURCE_EVALS,
        "forbidden_intel_evals": FORBIDDEN_INTEL_EVALS,
        "intel_source_evals": s.credible_intel_source_evals(),
        "intel_evals": s.credible_intel_evals(),
    }


def size_params() -> dict[str, Any]:
    s = load_settings()
    return {
        "max_network_share": float(s.max_network_share),
        "network_size_check_floor": int(s.network_size_check_floor),
        "min_network_offenders": int(s.min_network_offenders),
        "min_network_victims": int(s.min_network_victims),
    }


NETWORK_CHECKS = (
    SqlCheck(
        "edge_pairs_well_formed", "net.edge", f"{SQL}/edge_pairs_well_formed.sql",
        "No self-loops; pairs ordered nominal_id_a < nominal_id_b; known link types; one row per pair and type.",
        params=lambda: {"link_types": LINK_TYPES},
    ),
    SqlCheck(
        "edge_weights_positive_finite", "net.edge", f"{SQL}/edge_weights_positive_finite.sql",
        "Every weight is positive and finite.",
    ),
    SqlCheck(
        "edge_evidence_present", "net.edge", f"{SQL}/edge_evidence_present.sql",
        "Every edge has evidence, and every evidence row belongs to an edge.",
    ),
    SqlCheck(
        "edge_no_excluded_intelligence", "net.edge", f"{SQL}/edge_no_excluded_intelligence.sql",
        "No edge rests on intelligence outside the credibility rule; source 3 and assessments D/E never link.",
        params=credibility_params,
    ),
    SqlCheck(
        "network_sizes_sane", "net.network", f"{SQL}/network_sizes_sane.sql",
        "Networks are sane: each nominal in at most one network, each network has enough offenders, "
        "and no network holds more than max_network_share of all nominals.",
        params=size_params,
        reported=("largest_network", "largest_share"),
    ),
    SqlCheck(
        "member_roles_evidenced", "net.network_member", f"{SQL}/member_roles_evidenced.sql",
        "Every OFFENDER/SUSPECT member rests on an admitting CSE reason of that role about that person "
        "(net.member_reason); every VICTIM/CHILD_AT_RISK member on an admitting reason; roles are the v2 vocabulary.",
        reported=("associates_without_reason_in_own_network",),
    ),
)

CHECKS = sql_asset_checks(NETWORK_CHECKS)
