"""Crime harm weights, and harm per crime and per nominal (sql/4_harm/01-04).

Each step is a plain function of a DuckDB connection (tests call them on small
fixture databases) wrapped by a thin Dagster asset.
"""

from __future__ import annotations

from typing import Any

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from csenet_dagster import assets_common, db
from csenet_dagster.harm import config, weights

GROUP = "harm"


def sql_params(conn: duckdb.DuckDBPyConnection, cfg: config.HarmSettings) -> dict[str, Any]:
    """The placeholders every harm SQL file may use (ages from the delivery's extracted_at)."""
    return {
        "as_of": db.extracted_at(conn),
        "half_life_days": float(cfg.recency_half_life_days),
        "active_window_days": int(cfg.active_window_days),
        "offender_roles": tuple(cfg.offender_roles),
    }


def build_offence_weight(conn: duckdb.DuckDBPyConnection, cfg: config.HarmSettings) -> int:
    """Load and validate the weights file into harm.offence_weight; returns the row count."""
    file = weights.weights_path(cfg.weights_file)
    loaded = weights.load_weights(file)
    cse_codes = weights.load_offence_codes()
    frame = pl.DataFrame(
        {
            "offence_code": [w.offence_code for w in loaded],
            "offence_title": [w.offence_title for w in loaded],
            "harm_days": [w.harm_days for w in loaded],
            "basis": [w.basis for w in loaded],
            "guideline": [w.guideline for w in loaded],
            "guideline_category": [w.guideline_category for w in loaded],
            "note": [w.note for w in loaded],
            "is_cse_offence": [cse_codes.get(w.offence_code, False) for w in loaded],
            "source_file": [file.name] * len(loaded),
        }
    )
    conn.register("harm_weight_input", frame)
    try:
        db.run_sql(conn, "4_harm/01_offence_weight.sql")
    finally:
        conn.unregister("harm_weight_input")
    return db.row_count(conn, "harm.offence_weight")


def build_crime_harm(conn: duckdb.DuckDBPyConnection, cfg: config.HarmSettings) -> None:
    params = sql_params(conn, cfg)
    db.run_sql(conn, "4_harm/02_crime_party.sql", **params)
    db.run_sql(conn, "4_harm/03_crime_harm.sql", **params)


def build_nominal_harm(conn: duckdb.DuckDBPyConnection, cfg: config.HarmSettings) -> None:
    db.run_sql(conn, "4_harm/04_nominal_harm.sql", **sql_params(conn, cfg))


def unweighted_offence_codes(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """(offence_code, file, n_rows) for every code met in crimes or custody without a weight."""
    rows = conn.sql(db.render_sql("4_harm/checks/unweighted_offence_code.sql")).fetchall()
    return [(r[0], r[1], int(r[2])) for r in rows]


@assets_common.stage_asset(
    "harm.offence_weight",
    group=GROUP,
    description="Crime harm weight (Cambridge Crime Harm Index days) per offence code, from the weights file.",
    kinds=("duckdb", "csv"),
)
def offence_weight(duckdb: DuckDBResource) -> dg.MaterializeResult:
    cfg = config.load()
    with duckdb.get_connection() as conn:
        try:
            n = build_offence_weight(conn, cfg)
        except weights.WeightsFileError as exc:
            raise dg.Failure(description=str(exc)) from exc
        return dg.MaterializeResult(
            metadata=assets_common.table_metadata(
                conn,
                "harm.offence_weight",
                weights_file=dg.MetadataValue.path(str(weights.weights_path(cfg.weights_file))),
                n_cse_offence_codes=int(db.scalar(conn, "SELECT count(*) FROM harm.offence_weight WHERE is_cse_offence")),
                n_codes=n,
            )
        )


@assets_common.stage_asset(
    "harm.crime_harm",
    group=GROUP,
    description="Harm of every crime: offence weight x distinct victims, with its recency decay from extracted_at.",
    deps=["harm.offence_weight", "raw.crime", "raw.crime_person", "raw.custody", "raw.delivery", "er.nominal_record"],
)
def crime_harm(duckdb: DuckDBResource) -> dg.MaterializeResult:
    cfg = config.load()
    with duckdb.get_connection() as conn:
        build_crime_harm(conn, cfg)
        stats = conn.sql(
            """SELECT count(*) FILTER (WHERE harm_days IS NULL), coalesce(sum(harm_days), 0),
                      count(*) FILTER (WHERE in_active_window)
               FROM harm.crime_harm"""
        ).fetchall()[0]
        return dg.MaterializeResult(
            metadata=assets_common.table_metadata(
                conn,
                "harm.crime_harm",
                n_crimes_unweighted=int(stats[0]),
                total_harm_days=float(stats[1]),
                n_crimes_active_window=int(stats[2]),
            )
        )


@assets_common.stage_asset(
    "harm.nominal_harm",
    group=GROUP,
    description="Recency-frequency-gravity harm of every nominal from the crimes they are suspect/offender on.",
    deps=["harm.crime_harm", "er.nominal"],
)
def nominal_harm(duckdb: DuckDBResource) -> dg.MaterializeResult:
    cfg = config.load()
    with duckdb.get_connection() as conn:
        build_nominal_harm(conn, cfg)
        n_harmful = int(db.scalar(conn, "SELECT count(*) FROM harm.nominal_harm WHERE harm_score > 0"))
        return dg.MaterializeResult(
            metadata=assets_common.table_metadata(conn, "harm.nominal_harm", n_nominals_with_harm=n_harmful)
        )


ASSETS = [offence_weight, crime_harm, nominal_harm]
