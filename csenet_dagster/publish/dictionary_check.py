"""Check ``publish/analyst_db:described_columns`` (WARN, never blocking).

Every table and column published to analyst.duckdb should carry a description
from ``publish/data_dictionary.yaml`` (written as COMMENT ON by
``analyst_db.describe_tables``). Other stages add tables and columns over time,
so a gap only warns at run time; tests/test_data_dictionary.py is what fails.
Metadata: the undescribed table and column names (schema names, never values).
"""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from csenet_dagster.publish.analyst_db import ANALYST_DB_KEY, published_tables
from csenet_dagster.redact import masked


@dg.asset_check(
    asset=ANALYST_DB_KEY,
    name="described_columns",
    blocking=False,
    description="Every published table and column has a description in publish/data_dictionary.yaml (WARN).",
)
@masked("check described_columns")
def described_columns(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    from csenet_dagster.publish import data_dictionary  # runnable as a module: imported on use

    with duckdb.get_connection() as conn:
        columns = data_dictionary.table_columns(conn, "pub", published_tables())
    missing = data_dictionary.undescribed(columns)
    return dg.AssetCheckResult(
        passed=not missing,
        severity=dg.AssetCheckSeverity.WARN,
        description=(f"{len(missing)} undescribed: {', '.join(missing[:30])}; {data_dictionary.WHERE_TO_ADD}"
                     if missing else f"all {sum(len(c) for c in columns.values())} columns described"),
        metadata={
            "n_undescribed": len(missing),
            "undescribed": dg.MetadataValue.text(", ".join(missing) or "none"),
        },
    )


CHECKS = [described_columns]
