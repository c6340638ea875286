"""``pub/possible_match``: the review queue of possible matches (analyst.possible_match).

Pairs the linkage model scored between ``review.possible_threshold`` and the automatic
``resolve.match_threshold``, both records side by side, ordered so that pairs touching
members of CSE networks come first. An analyst's SAME / NOT_SAME goes into identity.csv;
later runs apply it and show the pair as ``decided``. Built after the network stage (it
reads net.network_member and pub.network) and audited like every analyst table.

er.match_pair belongs to the resolve stage and carries Splink's per-comparison columns
(Splink 5: ``mw_<comparison>`` and ``mw_tf_adj_<comparison>`` in bits; older versions:
``gamma_<comparison>``, ``bf_<comparison>``, ``bf_tf_adj_<comparison>``); they are read by
name when present, so the queue says which comparisons drove each score
(the ``comparisons`` column is null when the table has none). The analyst database may
hold names (analysts are cleared); metadata here are counts only.
"""

from __future__ import annotations

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from csenet_dagster import assets_common, db
from csenet_dagster.publish import review_config
from csenet_dagster.publish.tables import GROUP, PubTable, audit, check_specs
from csenet_dagster.resolve import config as resolve_config

POSSIBLE_MATCH = PubTable(
    "possible_match",
    "23_possible_match.sql",
    "Review queue: record pairs scored between the possible and the automatic match threshold, both "
    "records side by side, match weight and the comparisons behind it; pairs touching CSE network "
    "members first; status open or decided (identity.csv).",
    reads=("er.match_pair", "er.person_record", "er.person_std", "er.nominal_record", "er.identity_correction",
           "net.network_member", "pub.network", "pub.nominal_record"),
    required_columns=(
        "review_rank", "status", "touches_cse_network", "network_ids", "person_ref_a", "person_ref_b",
        "nominal_id_a", "nominal_id_b", "match_probability", "match_weight", "comparisons",
        "fields_agreeing", "fields_differing", "surname_a", "surname_b", "forenames_a", "forenames_b",
        "dob_a", "dob_b", "postcode_a", "postcode_b", "decision", "decided_by", "decided_at", "decision_applied",
    ),
)


def comparison_columns(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Comparisons for which er.match_pair has a per-comparison column: Splink 5's match
    weight in bits (``mw_<name>``) or an older Splink's Bayes factor (``bf_<name>``)."""
    columns = {name for name, _ in db.table_schema(conn, "er.match_pair")}
    names = set()
    for c in columns:
        for prefix in ("mw_", "bf_"):
            if c.startswith(prefix) and not c.startswith(prefix + "tf_adj_"):
                names.add(c[len(prefix):])
    return sorted(names)


def comparison_bits_sql(conn: duckdb.DuckDBPyConnection) -> str:
    """SQL for a list of {abs_bits, comparison, level, signed_bits} per pair of er.match_pair AS m,
    or a typed NULL when the table carries no per-comparison columns."""
    columns = {name for name, _ in db.table_schema(conn, "er.match_pair")}
    items = []
    for name in comparison_columns(conn):
        if f"mw_{name}" in columns:
            bits = f'm."mw_{name}"'
            if f"mw_tf_adj_{name}" in columns:
                bits = f'({bits} + coalesce(m."mw_tf_adj_{name}", 0))'
        else:
            factor = f'm."bf_{name}"'
            if f"bf_tf_adj_{name}" in columns:
                factor = f'({factor} * coalesce(m."bf_tf_adj_{name}", 1))'
            bits = f"CASE WHEN {factor} > 0 THEN log2({factor}) END"
        level = f'CAST(m."gamma_{name}" AS VARCHAR)' if f"gamma_{name}" in columns else "CAST(NULL AS VARCHAR)"
        items.append(f"{{'abs_bits': abs({bits}), 'comparison': {db.literal(name)}, "
                     f"'level': {level}, 'signed_bits': {bits}}}")
    if not items:
        return ("CAST(NULL AS STRUCT(abs_bits DOUBLE, comparison VARCHAR, level VARCHAR, signed_bits DOUBLE)[])")
    return "[" + ", ".join(items) + "]"


def build(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    review = review_config.load()
    match_threshold = resolve_config.load().match_threshold
    db.run_sql(
        conn,
        f"5_publish/{POSSIBLE_MATCH.sql_file}",
        possible_threshold=float(review.possible_threshold),
        match_threshold=float(match_threshold),
        comparison_bits=db.SqlFragment(comparison_bits_sql(conn)),
    )
    counts = conn.sql(
        "SELECT count(*), count(*) FILTER (WHERE status = 'open'), count(*) FILTER (WHERE status = 'decided'), "
        "count(*) FILTER (WHERE touches_cse_network) FROM pub.possible_match"
    ).fetchall()[0]
    return {"pairs": int(counts[0]), "open": int(counts[1]), "decided": int(counts[2]),
            "touching_cse_networks": int(counts[3]), "comparisons_explained": len(comparison_columns(conn))}


@assets_common.stage_asset(
    POSSIBLE_MATCH.table,
    group=GROUP,
    description=f"analyst.{POSSIBLE_MATCH.name}: {POSSIBLE_MATCH.description}",
    deps=POSSIBLE_MATCH.reads,
    check_specs=check_specs(POSSIBLE_MATCH),
)
def possible_match_queue(duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        counts = build(conn)
        results = audit(conn, POSSIBLE_MATCH)
        metadata = assets_common.table_metadata(conn, POSSIBLE_MATCH.table, **counts)
    return dg.MaterializeResult(metadata=metadata, check_results=results)
