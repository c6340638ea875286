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
import polars as pl

from csenet_dagster import db, ids
from csenet_dagster.previous import snapshot
from csenet_dagster.resolve import clustering, corrections, linkage
from csenet_dagster.resolve.config import ResolveSettings

SQL = "2_resolve"


def build_person_record(conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    db.run_sql(conn, f"{SQL}/02_person_mention.sql")
    db.run_sql(conn, f"{SQL}/03_person_record.sql")
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
    db.run_sql(conn, f"{SQL}/01_name_variant.sql")
    db.run_sql(conn, f"{SQL}/04_person_std.sql", extracted_at=db.extracted_at(conn))
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
    with db.registered(
        conn,
        match_pair_scored=result.pairs,
        match_weight_levels=_model_levels(result.model_json),
        linkage_adaptation_rows=_adaptation_rows(result.adaptation),
    ):
        db.run_sql(conn, f"{SQL}/06_match_pair.sql")
        db.run_sql(conn, f"{SQL}/05_match_weight.sql")
        db.run_sql(conn, f"{SQL}/07_linkage_adaptation.sql")
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


ADAPTATION_SCHEMA = {
    "kind": pl.String, "name": pl.String, "columns": pl.String, "status": pl.String,
    "fill_share": pl.Float64, "pairs": pl.Int64, "detail": pl.String,
}
IDENTITY_CORRECTION_SCHEMA = {
    "row_no": pl.Int64, "decision": pl.String, "person_ref_a": pl.String, "person_ref_b": pl.String,
    "analyst": pl.String, "decided_at": pl.Datetime("us"), "reason": pl.String, "status": pl.String,
}
MODEL_LEVEL_SCHEMA = {
    "comparison": pl.String, "level_order": pl.Int64, "level": pl.String,
    "m_probability": pl.Float64, "u_probability": pl.Float64,
    "probability_two_random_records_match": pl.Float64, "reference_prior": pl.Float64,
}


def _adaptation_rows(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=ADAPTATION_SCHEMA)


def _model_levels(model_json: str) -> pl.DataFrame:
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
    return pl.DataFrame(rows, schema=MODEL_LEVEL_SCHEMA)


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
) -> dict[str, Any]:
    """Cluster records into nominals, give them stable ids (from the prev.* snapshot of the
    previous published run), record the corrections applied."""
    loaded = corrections.load(corrections_path)

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

    previous = snapshot.crosswalk(conn)
    highest_issued = snapshot.watermark(conn, ids.NOMINAL)
    id_of = nominal_ids(result.cluster_of, previous, highest_issued)
    assigned = pl.DataFrame(
        {
            "person_ref": refs,
            "nominal_id": [id_of[result.cluster_of[r]] for r in refs],
            "match_probability": [float(result.probability[r]) for r in refs],
        },
        schema={"person_ref": pl.String, "nominal_id": pl.String, "match_probability": pl.Float64},
    )
    with db.registered(conn, nominal_record_assigned=assigned):
        db.run_sql(conn, f"{SQL}/08_nominal_record.sql")

    loaded_table = db.attribute_frame(
        loaded, IDENTITY_CORRECTION_SCHEMA, schema=IDENTITY_CORRECTION_SCHEMA,
        status=lambda c: status.get(c.row_no, "applied"),
    )
    with db.registered(conn, identity_correction_loaded=loaded_table):
        db.run_sql(conn, f"{SQL}/09_identity_correction.sql")

    n_nominals = len(set(id_of.values()))
    return {
        "records": len(refs),
        "nominals": n_nominals,
        "edges_at_or_above_threshold": len(edges),
        "edges_refused_by_constraints": result.refused_edges,
        "previous_records": sum(len(refs) for refs in previous.values()),
        "highest_nominal_id_issued_before": highest_issued,
        "corrections": len(loaded),
        "corrections_applied": int(
            db.scalar(conn, "SELECT count(*) FROM er.identity_correction WHERE applied") or 0
        ),
    }


def nominal_ids(
    cluster_of: dict[str, str], previous: dict[str, list[str]], highest_issued: int
) -> dict[str, str]:
    """Cluster key (its smallest person_ref) -> stable nominal_id (``ids.inherit``; new ids
    in cluster-key order). ``previous``: previous nominal_id -> its person_refs."""
    members: dict[str, list[str]] = {}
    for ref, cluster in cluster_of.items():
        members.setdefault(cluster, []).append(ref)
    keys = sorted(members)
    assigned = ids.inherit([members[k] for k in keys], previous, ids.NOMINAL, highest_issued)
    return {k: a.id for k, a in zip(keys, assigned)}


def build_nominal(conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    db.run_sql(conn, f"{SQL}/10_nominal.sql")
    sizes = conn.sql(
        """SELECT n_records, count(*) FROM er.nominal GROUP BY n_records ORDER BY n_records"""
    ).fetchall()
    return {"nominals": db.row_count(conn, "er.nominal"), "size_distribution": {int(k): int(v) for k, v in sizes}}


def build_nominal_change(conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    db.run_sql(conn, f"{SQL}/11_nominal_change.sql")
    counts = dict(conn.sql("SELECT change, count(*) FROM er.nominal_change GROUP BY change").fetchall())
    return {change: int(counts.get(change, 0)) for change in ("new", "kept", "merged", "split")}


def run_all(
    conn: duckdb.DuckDBPyConnection,
    cfg: ResolveSettings,
    corrections_path: Path | None = None,
    analyst_db: Path | None = None,
) -> dict[str, dict[str, Any]]:
    """Every step in order, after the previous run's snapshot (tests and the benchmark)."""
    snapshot.take(conn, analyst_db)
    return {
        "person_record": build_person_record(conn),
        "person_std": standardise(conn),
        "match_pair": score_pairs(conn, cfg),
        "nominal_record": build_nominal_record(conn, cfg, corrections_path),
        "nominal": build_nominal(conn),
        "nominal_change": build_nominal_change(conn),
    }
