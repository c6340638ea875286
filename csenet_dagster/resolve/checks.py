"""Asset checks of the resolve stage: blocking where a bad crosswalk must not reach analysts.

Metadata are counts and rates only, never names or other person values.
"""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from csenet_dagster import db, ids
from csenet_dagster.assets_common import check_result, key
from csenet_dagster.resolve import config as resolve_config

NOMINAL_RECORD = key("er.nominal_record")
NOMINAL = key("er.nominal")


@dg.asset_check(
    asset=NOMINAL_RECORD,
    blocking=True,
    description="Every person_ref of the delivery appears exactly once, with a well-formed nominal_id.",
)
def every_record_once(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        row = conn.sql(
            f"""SELECT
                 (SELECT count(*) FROM er.person_record AS p
                   WHERE NOT EXISTS (SELECT 1 FROM er.nominal_record AS n WHERE n.person_ref = p.person_ref)),
                 (SELECT count(*) FROM er.nominal_record AS n
                   WHERE NOT EXISTS (SELECT 1 FROM er.person_record AS p WHERE p.person_ref = n.person_ref)),
                 (SELECT count(*) FROM (SELECT person_ref FROM er.nominal_record GROUP BY person_ref HAVING count(*) > 1)),
                 (SELECT count(*) FROM er.nominal_record
                   WHERE nominal_id IS NULL OR NOT {ids.NOMINAL.sql_is_valid("nominal_id")}),
                 (SELECT count(*) FROM er.nominal_record
                   WHERE match_probability IS NULL OR match_probability < 0 OR match_probability > 1)"""
        ).fetchall()[0]
    missing, unknown, duplicated, bad_id, bad_probability = (int(v) for v in row)
    return check_result(
        not any(row),
        records_missing=missing,
        refs_not_in_delivery=unknown,
        refs_duplicated=duplicated,
        malformed_nominal_ids=bad_id,
        bad_match_probabilities=bad_probability,
    )


@dg.asset_check(
    asset=NOMINAL,
    blocking=True,
    description="No nominal has more records than max_cluster_size (a sign of chained false matches).",
)
def no_oversized_nominal(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    cfg = resolve_config.load()
    with duckdb.get_connection() as conn:
        largest = int(db.scalar(conn, "SELECT coalesce(max(n_records), 0) FROM er.nominal"))
        oversized = int(
            db.scalar(conn, f"SELECT count(*) FROM er.nominal WHERE n_records > {int(cfg.max_cluster_size)}")
        )
    return check_result(
        oversized == 0, largest_nominal=largest, oversized_nominals=oversized, max_cluster_size=cfg.max_cluster_size
    )


@dg.asset_check(
    asset=NOMINAL,
    blocking=True,
    description="No nominal holds two different valid PNC ids (two people joined).",
)
def no_conflicting_pnc(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        conflicts = int(
            db.scalar(
                conn,
                """SELECT count(*) FROM (
                       SELECT nr.nominal_id FROM er.nominal_record AS nr
                       JOIN er.person_std AS ps ON ps.person_ref = nr.person_ref
                       WHERE ps.pnc_std IS NOT NULL
                       GROUP BY nr.nominal_id HAVING count(DISTINCT ps.pnc_std) > 1)""",
            )
        )
    return check_result(conflicts == 0, nominals_with_conflicting_pnc=conflicts)


@dg.asset_check(
    asset=NOMINAL_RECORD,
    blocking=False,
    description="Share of records linked to another record, and the distribution of nominal sizes. "
    "Warns when almost nothing links (a broken model or standardisation).",
)
def linkage_rate(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    cfg = resolve_config.load()
    with duckdb.get_connection() as conn:
        sizes = conn.sql(
            """SELECT size, count(*) AS nominals FROM (
                   SELECT nominal_id, count(*) AS size FROM er.nominal_record GROUP BY nominal_id)
               GROUP BY size ORDER BY size"""
        ).fetchall()
    records = sum(size * n for size, n in sizes)
    linked = sum(size * n for size, n in sizes if size > 1)
    share = linked / records if records else 0.0
    return dg.AssetCheckResult(
        passed=share >= cfg.min_linked_share,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "records": records,
            "linked_records": linked,
            "linked_share": round(share, 4),
            "nominals": sum(n for _, n in sizes),
            "size_distribution": dg.MetadataValue.json({str(size): int(n) for size, n in sizes}),
        },
    )


CHECKS = [every_record_once, no_oversized_nominal, no_conflicting_pnc, linkage_rate]
