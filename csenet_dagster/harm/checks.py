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
    return int(
        db.scalar(
            conn,
            f"""
            SELECT
                (SELECT count(*) FROM {table} WHERE {rank_column} IS NULL OR {rank_column} < 1
                    OR {rank_column} > (SELECT count(*) FROM {table}))
              + (SELECT coalesce(sum(n - 1), 0) FROM
                    (SELECT count(*) AS n FROM {table} GROUP BY {rank_column} HAVING count(*) > 1) AS r)
            """,
        )
    )


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


@dg.asset_check(
    asset=assets_common.key("harm.crime_harm"),
    name="crime_harm_non_negative",
    blocking=True,
    description="No crime has negative harm.",
)
def crime_harm_non_negative(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        n = negative_harm_rows(conn, "harm.crime_harm", ("harm_days", "recent_harm"))
    return assets_common.check_result(n == 0, n_negative=n)


@dg.asset_check(
    asset=assets_common.key("harm.nominal_harm"),
    name="nominal_harm_non_negative",
    blocking=True,
    description="Every nominal's harm is present and non-negative.",
)
def nominal_harm_non_negative(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        n = negative_harm_rows(conn, "harm.nominal_harm", ("harm_score", "harm_total_days"))
        n_null = int(db.scalar(conn, "SELECT count(*) FROM harm.nominal_harm WHERE harm_score IS NULL"))
    return assets_common.check_result(n == 0 and n_null == 0, n_negative=n, n_null=n_null)


CHECKS = [every_offence_code_weighted, crime_harm_non_negative, nominal_harm_non_negative]
