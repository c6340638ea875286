"""The resolve stage as plain functions on a DuckDB connection.

Assets (``assets.py``) are thin wrappers around these, so tests and the
benchmark can run the stage without Dagster. Each step writes er.* tables and
returns counts only (never person values).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from csenet_dagster import db
from csenet_dagster.db import identifier
from csenet_dagster.resolve import clustering, corrections, linkage, stable_ids
from csenet_dagster.resolve.config import ResolveSettings

SQL = "2_resolve"


def build_person_record(conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    db.run_sql(conn, f"{SQL}/01_person_mention.sql")
    db.run_sql(conn, f"{SQL}/02_person_record.sql")
    by_system = conn.sql(
        "SELECT system, count(*) FROM er.person_record GROUP BY system ORDER BY system"
    ).fetchall()
    return {
        "person_records": db.row_count(conn, "er.person_record"),
        "person_mentions": db.row_count(conn, "er.person_mention"),
        "records_only_in_quarantine": int(
            db.scalar(conn, "SELECT count(*) FROM er.person_record WHERE only_in_quarantine")
        ),
        **{f"records_{system.lower()}": int(n) for system, n in by_system},
    }


def standardise(conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    db.run_sql(conn, f"{SQL}/00_name_variant.sql")
    db.run_sql(conn, f"{SQL}/03_person_std.sql", extracted_at=db.extracted_at(conn))
    row = conn.sql(
        """SELECT count(*),
                  count(dob_std), count(*) FILTER (WHERE dob_placeholder),
                  count(postcode_std), count(phone_std),
                  count(*) FILTER (WHERE pnc_status = 'VALID'),
                  count(*) FILTER (WHERE pnc_status IN ('BAD_CHECK', 'MALFORMED')),
                  count(*) FILTER (WHERE forename_is_initial),
                  count(*) FILTER (WHERE surname_std IS NULL OR forename1 IS NULL)
           FROM er.person_std"""
    ).fetchall()[0]
    keys = (
        "records", "with_dob", "placeholder_dob", "with_postcode", "with_phone",
        "valid_pnc", "untrusted_pnc", "forename_initial_only", "missing_name_part",
    )
    return dict(zip(keys, (int(v) for v in row)))


def score_pairs(conn: duckdb.DuckDBPyConnection, cfg: ResolveSettings) -> dict[str, Any]:
    columns = ", ".join(linkage.MODEL_COLUMNS)
    records = conn.sql(f"SELECT {columns} FROM er.person_std ORDER BY person_ref").to_arrow_table()
    result = linkage.link(records, cfg)
    conn.register("match_pair_scored", result.pairs)
    try:
        db.run_sql(conn, f"{SQL}/04_match_pair.sql")
    finally:
        conn.unregister("match_pair_scored")
    conn.register("match_weight_levels", _model_levels(result.model_json))
    try:
        db.run_sql(conn, f"{SQL}/04_match_weight.sql")
    finally:
        conn.unregister("match_weight_levels")
    conn.register("linkage_adaptation_rows", _adaptation_rows(result.adaptation))
    try:
        db.run_sql(conn, f"{SQL}/04_linkage_adaptation.sql")
    finally:
        conn.unregister("linkage_adaptation_rows")
    above = db.scalar(
        conn, f"SELECT count(*) FROM er.match_pair WHERE match_probability >= {cfg.match_threshold!r}"
    )
    left_out = sorted({row["name"] for row in result.adaptation
                       if row["kind"] == "comparison" and row["status"] == "left_out"})
    return {
        "records": result.n_records,
        "pairs_kept": result.pairs.num_rows,
        "pairs_at_or_above_threshold": int(above),
        "model_json": result.model_json,
        "comparisons_left_out": ", ".join(left_out) or "none",
        "rules_left_out": sum(1 for row in result.adaptation
                              if row["kind"].endswith("rule") and row["status"] == "left_out"),
        "parameters_from_priors": sum(1 for row in result.adaptation if row["status"] == "prior"),
        **{f"seconds_{name}": value for name, value in result.seconds.items()},
    }


ADAPTATION_SCHEMA = pa.schema([
    ("kind", pa.string()), ("name", pa.string()), ("columns", pa.string()), ("status", pa.string()),
    ("fill_share", pa.float64()), ("pairs", pa.int64()), ("detail", pa.string()),
])


def _adaptation_rows(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=ADAPTATION_SCHEMA)


def _model_levels(model_json: str) -> pa.Table:
    """One row per comparison level of the trained model (no data values)."""
    model = json.loads(model_json) if model_json else {"comparisons": []}
    rows = [
        {
            "comparison": comparison["output_column_name"],
            "level_order": order,
            "level": level.get("label_for_charts", ""),
            "m_probability": level.get("m_probability"),
            "u_probability": level.get("u_probability"),
            "probability_two_random_records_match": model.get("probability_two_random_records_match"),
            "reference_prior": model.get("csenet_reference_prior"),
        }
        for comparison in model["comparisons"]
        for order, level in enumerate(comparison["comparison_levels"])
        if not level.get("is_null_level")
    ]
    schema = pa.schema([
        ("comparison", pa.string()), ("level_order", pa.int64()), ("level", pa.string()),
        ("m_probability", pa.float64()), ("u_probability", pa.float64()),
        ("probability_two_random_records_match", pa.float64()),
        ("reference_prior", pa.float64()),
    ])
    return pa.Table.from_pylist(rows, schema=schema)


# Where the previous published run holds issued ids: table -> (kind, column, is a comma list).
# Besides the crosswalk, merged-away ids (nominal_change) and networks count as issued.
PREVIOUS_ISSUED_IDS = (
    ("nominal_record", "nominal", "nominal_id", False),
    ("nominal", "nominal", "nominal_id", False),
    ("nominal_change", "nominal", "previous_nominal_ids", True),
    ("network", "network", "network_id", False),
    ("network_member", "network", "network_id", False),
)


def load_previous_crosswalk(conn: duckdb.DuckDBPyConnection, analyst_db: Path | None = None) -> int:
    """Copy the last published nominal_record into er.previous_nominal_record, and
    its high-water marks of issued ids into er.previous_id_watermark."""
    db.run_sql(conn, f"{SQL}/05_previous_issued_start.sql")
    # A private copy: an analyst holding analyst.duckdb open must not block the run.
    with db.published_snapshot(analyst_db) as previous:
        if not previous.exists():
            db.run_sql(conn, f"{SQL}/05_previous_nominal_record_none.sql")
            db.run_sql(conn, f"{SQL}/05_previous_id_watermark.sql")
            return 0
        conn.execute(f"ATTACH {db.literal(str(previous))} AS previous_run (READ_ONLY)")
        try:
            tables = {
                row[0]
                for row in conn.sql(
                    "SELECT table_name FROM duckdb_tables() WHERE database_name = 'previous_run'"
                    " AND schema_name = 'main'"
                ).fetchall()
            }
            if "nominal_record" in tables:
                db.run_sql(conn, f"{SQL}/05_previous_nominal_record.sql")
            else:
                db.run_sql(conn, f"{SQL}/05_previous_nominal_record_none.sql")
            for table, kind, column, is_list in PREVIOUS_ISSUED_IDS:
                if table in tables:
                    name = "05_previous_issued_id_list.sql" if is_list else "05_previous_issued_id.sql"
                    db.run_sql(conn, f"{SQL}/{name}", kind=kind, table=identifier(table), column=identifier(column))
            if "id_watermark" in tables:
                db.run_sql(conn, f"{SQL}/05_previous_declared_watermark.sql")
            db.run_sql(conn, f"{SQL}/05_previous_id_watermark.sql")
        finally:
            conn.execute("DETACH previous_run")
    return db.row_count(conn, "er.previous_nominal_record")


def previous_watermark(conn: duckdb.DuckDBPyConnection, kind: str) -> int:
    """The highest id number of ``kind`` issued up to the previous published run."""
    return int(
        db.scalar(conn, f"SELECT max(max_issued) FROM er.previous_id_watermark WHERE kind = {db.literal(kind)}") or 0
    )


def _active_corrections(loaded: list[corrections.IdentityCorrection]) -> tuple[list[clustering.Correction], dict[int, str]]:
    """The latest decision per pair of refs wins; earlier ones are 'superseded'."""
    latest: dict[tuple[str, str], corrections.IdentityCorrection] = {}
    status: dict[int, str] = {}
    for c in sorted(loaded, key=lambda c: (c.decided_at, c.row_no)):
        pair = tuple(sorted((c.person_ref_a, c.person_ref_b)))
        if pair in latest:
            status[latest[pair].row_no] = "superseded"
        latest[pair] = c
    active = [
        clustering.Correction(c.row_no, c.decision, c.person_ref_a, c.person_ref_b)
        for c in sorted(latest.values(), key=lambda c: (c.decided_at, c.row_no))
    ]
    return active, status


def dob_conflict_applies(conn: duckdb.DuckDBPyConnection, cfg: ResolveSettings) -> bool:
    """Far-apart dobs refuse a join only when this delivery's model says true matches
    rarely disagree on dob (m of the dob 'else' level at most dob_conflict_max_m)."""
    if not cfg.dob_conflict_refuses_join:
        return False
    m_else = db.scalar(
        conn, "SELECT max(m_probability) FROM er.match_weight WHERE comparison = 'dob' AND level = 'else'"
    )
    return m_else is not None and m_else <= cfg.dob_conflict_max_m


def build_nominal_record(
    conn: duckdb.DuckDBPyConnection,
    cfg: ResolveSettings,
    corrections_path: Path | None = None,
    analyst_db: Path | None = None,
) -> dict[str, Any]:
    """Cluster records into nominals, give them stable ids, record the corrections applied."""
    loaded = corrections.load(corrections_path)
    n_previous = load_previous_crosswalk(conn, analyst_db)

    people = conn.sql("SELECT person_ref, pnc_std, dob_std FROM er.person_std ORDER BY person_ref").fetchall()
    refs = [r for r, _, _ in people]
    pnc_of = {r: p for r, p, _ in people if p is not None}
    dob_of = {r: d for r, _, d in people if d is not None} if dob_conflict_applies(conn, cfg) else {}
    edges = conn.sql(
        f"""SELECT person_ref_l, person_ref_r, match_probability FROM er.match_pair
            WHERE match_probability >= {cfg.match_threshold!r}
            ORDER BY person_ref_l, person_ref_r"""
    ).fetchall()
    active, status = _active_corrections(loaded)
    result = clustering.cluster(refs, pnc_of, edges, active, dob_of)
    status.update(result.correction_status)

    previous = dict(conn.sql("SELECT person_ref, nominal_id FROM er.previous_nominal_record").fetchall())
    highest_issued = previous_watermark(conn, "nominal")
    ids = stable_ids.assign(result.cluster_of, previous, highest_issued)
    assigned = pa.table(
        {
            "person_ref": refs,
            "nominal_id": [ids[result.cluster_of[r]] for r in refs],
            "match_probability": [float(result.probability[r]) for r in refs],
        }
    )
    conn.register("nominal_record_assigned", assigned)
    try:
        db.run_sql(conn, f"{SQL}/06_nominal_record.sql")
    finally:
        conn.unregister("nominal_record_assigned")

    loaded_table = pa.table(
        {
            "row_no": pa.array([c.row_no for c in loaded], pa.int64()),
            "decision": pa.array([c.decision for c in loaded], pa.string()),
            "person_ref_a": pa.array([c.person_ref_a for c in loaded], pa.string()),
            "person_ref_b": pa.array([c.person_ref_b for c in loaded], pa.string()),
            "analyst": pa.array([c.analyst for c in loaded], pa.string()),
            "decided_at": pa.array([c.decided_at for c in loaded], pa.timestamp("us")),
            "reason": pa.array([c.reason for c in loaded], pa.string()),
            "status": pa.array([status.get(c.row_no, "applied") for c in loaded], pa.string()),
        }
    )
    conn.register("identity_correction_loaded", loaded_table)
    try:
        db.run_sql(conn, f"{SQL}/07_identity_correction.sql")
    finally:
        conn.unregister("identity_correction_loaded")

    n_nominals = len(set(ids.values()))
    return {
        "records": len(refs),
        "nominals": n_nominals,
        "edges_at_or_above_threshold": len(edges),
        "edges_refused_by_constraints": result.refused_edges,
        "previous_records": n_previous,
        "highest_nominal_id_issued_before": highest_issued,
        "corrections": len(loaded),
        "corrections_applied": int(
            db.scalar(conn, "SELECT count(*) FROM er.identity_correction WHERE applied") or 0
        ),
    }


def build_nominal(conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    db.run_sql(conn, f"{SQL}/08_nominal.sql")
    sizes = conn.sql(
        """SELECT n_records, count(*) FROM er.nominal GROUP BY n_records ORDER BY n_records"""
    ).fetchall()
    return {"nominals": db.row_count(conn, "er.nominal"), "size_distribution": {int(k): int(v) for k, v in sizes}}


def build_nominal_change(conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    db.run_sql(conn, f"{SQL}/09_nominal_change.sql")
    counts = dict(conn.sql("SELECT change, count(*) FROM er.nominal_change GROUP BY change").fetchall())
    return {change: int(counts.get(change, 0)) for change in ("new", "kept", "merged", "split")}


def run_all(
    conn: duckdb.DuckDBPyConnection,
    cfg: ResolveSettings,
    corrections_path: Path | None = None,
    analyst_db: Path | None = None,
) -> dict[str, dict[str, Any]]:
    """Every step in order (tests and the benchmark)."""
    return {
        "person_record": build_person_record(conn),
        "person_std": standardise(conn),
        "match_pair": score_pairs(conn, cfg),
        "nominal_record": build_nominal_record(conn, cfg, corrections_path, analyst_db),
        "nominal": build_nominal(conn),
        "nominal_change": build_nominal_change(conn),
    }
