"""Crime harm weights, and harm per crime and per nominal (sql/4_harm/01-04).

Each step is a plain function of a DuckDB connection (tests call them on small
fixture databases) wrapped by a thin Dagster asset.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from csenet_dagster import assets_common, db, reference_files
from csenet_dagster.harm import config

GROUP = "harm"


def sql_params(conn: duckdb.DuckDBPyConnection, cfg: config.HarmSettings) -> dict[str, Any]:
    """The placeholders every harm SQL file may use (ages from the delivery's extracted_at)."""
    return {
        "as_of": db.extracted_at(conn),
        "half_life_days": float(cfg.recency_half_life_days),
        "active_window_days": int(cfg.active_window_days),
        "offender_roles": tuple(cfg.offender_roles),
        "cse_recency_floor": float(cfg.cse_recency_floor),
        # the one offence-code normalisation (sql/common/offence_code.sql), for crime.csv's codes
        "crime_offence_code": reference_files.offence_code_sql("c.offence_code"),
    }


FALLBACK_MODES = ("CLASS", "DEFAULT")


def validate_fallback_settings(cfg: config.HarmSettings) -> None:
    if cfg.unknown_code_fallback not in FALLBACK_MODES:
        raise reference_files.WeightsFileError(
            f"setting harm.unknown_code_fallback must be one of {', '.join(FALLBACK_MODES)} (rule: known_fallback_mode)"
        )
    if not cfg.unknown_code_default_days >= 0:
        raise reference_files.WeightsFileError("setting harm.unknown_code_default_days must be >= 0 (rule: harm_days_non_negative)")


def build_offence_weight(conn: duckdb.DuckDBPyConnection, cfg: config.HarmSettings) -> int:
    """Load and validate the reference files into harm.offence_weight, harm.unknown_offence_code
    and harm.reference_file; returns the row count of harm.offence_weight."""
    validate_fallback_settings(cfg)
    file = reference_files.weights_path(cfg.weights_file)
    loaded = reference_files.load_weights(file)
    css_file = Path(cfg.css_weights_file) if cfg.css_weights_file else None
    css = reference_files.load_css_weights(css_file) if css_file else {}
    classification_file = reference_files.classification_path(cfg.classification_file)
    classification = reference_files.load_offence_code_reference(classification_file)
    frame = db.attribute_frame(
        loaded,
        ("offence_code", "offence_title", "harm_days", "basis", "guideline", "guideline_category", "note",
         "css_weight", "weight_origin", "source"),
        schema_overrides={"css_weight": pl.Float64},
        # an ONS CSS table, when configured, overrides the weights file's own css_weight
        css_weight=lambda w: css.get(w.offence_code, w.css_weight),
    )
    reference = db.attribute_frame(
        classification,
        ("offence_code", "offence_title", "offence_group", "offence_class", "is_cse_offence", "child_victim_implied"),
    )
    with db.registered(conn, harm_weight_input=frame, offence_code_reference=reference):
        db.run_sql(
            conn,
            "4_harm/02_offence_weight.sql",
            fallback_mode=cfg.unknown_code_fallback,
            default_days=float(cfg.unknown_code_default_days),
            code_shape=reference_files.CODE_SHAPE,
            source_file=file.name,
            crime_offence_code=reference_files.offence_code_sql("offence_code"),
        )
    files = [
        reference_files.reference_file("offence_codes", classification_file, len(classification), cfg.classification_version),
        reference_files.reference_file("harm_weights", file, len(loaded), cfg.weights_version),
    ]
    if css_file:
        files.append(reference_files.reference_file("css_weights", css_file, len(css), cfg.css_weights_version))
    write_reference_files(conn, files)
    return db.row_count(conn, "harm.offence_weight")


def write_reference_files(conn: duckdb.DuckDBPyConnection, files: list[reference_files.ReferenceFile]) -> None:
    """harm.reference_file: the reference files this run used (name, version, sha256), for analyst.run."""
    frame = db.attribute_frame(
        files, ("kind", "file_name", "version", "sha256", "n_rows", "bundled"), schema_overrides={"n_rows": pl.Int64}
    )
    with db.registered(conn, reference_file_input=frame):
        db.run_sql(conn, "4_harm/01_reference_file.sql")


def build_crime_harm(conn: duckdb.DuckDBPyConnection, cfg: config.HarmSettings) -> None:
    params = sql_params(conn, cfg)
    db.run_sql(conn, "4_harm/03_crime_party.sql", **params)
    db.run_sql(conn, "4_harm/04_crime_harm.sql", **params)


def build_nominal_harm(conn: duckdb.DuckDBPyConnection, cfg: config.HarmSettings) -> None:
    db.run_sql(conn, "4_harm/05_nominal_harm.sql", **sql_params(conn, cfg))


def unknown_offence_codes(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(offence_code, is_code_shaped, n_crime_rows, n_custody_rows, fallback_used, harm_days) per code of the
    delivery outside the weights (no delivered title: it may only go to the analyst database)."""
    return conn.sql(
        "SELECT offence_code, is_code_shaped, n_crime_rows, n_custody_rows, fallback_used, harm_days "
        "FROM harm.unknown_offence_code ORDER BY offence_code NULLS FIRST"
    ).fetchall()


def fallback_harm_share(conn: duckdb.DuckDBPyConnection) -> tuple[float, float]:
    """Shares of all crime harm and of recent (decayed) harm that rest on fallback reference_files."""
    total, recent, fallback_total, fallback_recent = conn.sql(db.render_sql("4_harm/checks/fallback_harm_share.sql")).fetchall()[0]
    share = float(fallback_total) / float(total) if total else 0.0
    recent_share = float(fallback_recent) / float(recent) if recent else 0.0
    return share, recent_share


@assets_common.stage_asset(
    "harm.offence_weight",
    group=GROUP,
    description=(
        "Crime harm weight (Cambridge Crime Harm Index days) of every offence code of the weights file, the "
        "classification and the delivery; a code outside the weights takes a documented fallback weight. "
        "Also writes harm.unknown_offence_code (the delivery's codes on fallback weights) and "
        "harm.reference_file (the reference files used: name, version, sha256)."
    ),
    deps=["raw.crime", "raw.custody"],
    kinds=("duckdb", "csv"),
    also_writes={
        "harm.unknown_offence_code": "The delivery's offence codes on fallback weights",
        "harm.reference_file": "The reference files this run used: name, version, sha256 (for analyst.run)",
    },
)
def offence_weight(duckdb: DuckDBResource) -> dg.MaterializeResult:
    cfg = config.load()
    with duckdb.get_connection() as conn:
        try:
            n = build_offence_weight(conn, cfg)
        except reference_files.WeightsFileError as exc:
            raise dg.Failure(description=str(exc)) from exc
        counts = conn.sql(
            """SELECT count(*) FILTER (WHERE is_cse_offence), count(*) FILTER (WHERE in_reference),
                      count(*) FILTER (WHERE fallback_used IS NOT NULL)
               FROM harm.offence_weight"""
        ).fetchall()[0]
        files = conn.sql("SELECT kind, file_name, version, sha256 FROM harm.reference_file ORDER BY kind").fetchall()
        return dg.MaterializeResult(
            metadata=assets_common.table_metadata(
                conn,
                "harm.offence_weight",
                weights_file=dg.MetadataValue.path(str(reference_files.weights_path(cfg.weights_file))),
                n_cse_offence_codes=int(counts[0]),
                n_reference_codes=int(counts[1]),
                n_fallback_codes=int(counts[2]),
                n_codes=n,
                reference_files=dg.MetadataValue.md(
                    "\n".join(f"- {kind}: `{name}` version `{version}` sha256 `{sha}`" for kind, name, version, sha in files)
                ),
            )
        )


@assets_common.stage_asset(
    "harm.crime_harm",
    group=GROUP,
    description="Harm of every crime: offence weight x distinct victims, with its recency decay from extracted_at.",
    deps=["harm.offence_weight", "raw.crime", "raw.crime_person", "raw.custody", "raw.delivery", "er.nominal_record",
          "net.cse_seed", "net.crime_outcome", "net.cse_crime"],
    also_writes={"harm.crime_party": "Each nominal's involvement in each crime (OFFENDER, VICTIM, OTHER)"},
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
    deps=["harm.crime_harm", "harm.crime_party", "er.nominal"],
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
