"""Dagster assets of the ingest stage: the validated delivery, one raw table per file, the quarantine."""

# No "from __future__ import annotations": Dagster reads the config class from the real annotation.

import dagster as dg
from dagster_duckdb import DuckDBResource
from pydantic import Field

from csenet_dagster import db, settings
from csenet_dagster.assets_common import key, stage_asset, table_metadata
from csenet_dagster.ingest import config as ingest_config
from csenet_dagster.ingest.contract import BY_FILE, FIELD_RULES, FILES, RULES, FileSpec
from csenet_dagster.ingest.delivery import DeliveryError, resolve_delivery, validate_delivery
from csenet_dagster.ingest.loader import load_file, record_delivery

GROUP = "ingest"
KINDS = ("csv", "duckdb", "sql")
SQL = "1_ingest"

# Keys of the ingest assets, for ops (freshness policies, selections).
DELIVERY_KEY = key("raw.delivery")
RAW_FILE_KEYS = tuple(key(spec.table) for spec in FILES)
QUARANTINE_KEY = key("raw.quarantine")
FIELD_ISSUE_KEY = key("raw.field_issue")


class DeliveryConfig(dg.Config):
    delivery_id: str = Field(
        default="",
        description="Delivery folder to process; empty = the newest complete delivery in CSENET_LANDING_DIR.",
    )


@stage_asset(
    "raw.delivery",
    group=GROUP,
    kinds=KINDS,
    description=(
        "The delivery being processed: its manifest validated (every contract file a regular file, named and "
        "present, row counts and sha256 digests match) while it is copied into the run's private folder; the "
        "raw tables load from that verified copy. A delivery id already published with other content is refused. raw.delivery_file records each file's digest for the audit. "
        "An invalid delivery fails here and nothing is written or run downstream."
    ),
    also_writes={"raw.delivery_file": "Each file of the delivery with its rows and sha256 digest"},
)
def delivery(context: dg.AssetExecutionContext, config: DeliveryConfig, duckdb: DuckDBResource) -> dg.MaterializeResult:
    from csenet_dagster import deliveries, run_folder

    try:
        folder = resolve_delivery(settings.paths().landing_dir, config.delivery_id)
        # Validated while copied into the run's private folder; the files load from that copy.
        copy = run_folder.delivery_copy_dir(context.run.run_id) / folder.name
        if copy.exists():
            import shutil

            shutil.rmtree(copy)
        manifest = validate_delivery(folder, copy_to=copy)
    except DeliveryError as exc:
        raise dg.Failure(description=str(exc)) from None
    earlier = deliveries.resent_with_other_content(manifest.delivery_id, manifest.manifest_sha256)
    if earlier is not None:
        raise dg.Failure(description=deliveries.refusal(manifest.delivery_id, manifest.manifest_sha256, earlier))
    with duckdb.get_connection() as conn:
        record_delivery(conn, manifest)
        files_md = "| file | rows | sha256 |\n| --- | ---: | --- |\n" + "\n".join(
            f"| {f.file_name} | {f.rows} | `{f.sha256}` |" for f in manifest.files
        )
        meta = table_metadata(
            conn,
            "raw.delivery",
            delivery_id=manifest.delivery_id,
            extracted_at=manifest.extracted_at.isoformat(),
            manifest_sha256=manifest.manifest_sha256,
            files=dg.MetadataValue.md(files_md),
            total_rows=sum(f.rows for f in manifest.files),
        )
    context.log.info(f"delivery {manifest.delivery_id} valid: {len(manifest.files)} files")
    return dg.MaterializeResult(metadata=meta, data_version=dg.DataVersion(manifest.manifest_sha256))


def _file_asset(spec: FileSpec) -> dg.AssetsDefinition:
    # Orphan checks read the parent's good rows, so a child file loads after its parent.
    deps = ["raw.delivery"] + ([BY_FILE[spec.parent[1]].table] if spec.parent else [])

    @stage_asset(spec.table, group=GROUP, kinds=KINDS, deps=deps, description=spec.description)
    def load(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
        with duckdb.get_connection() as conn:
            try:
                result = load_file(conn, spec, ingest_config.load())
            except DeliveryError as exc:
                raise dg.Failure(description=str(exc)) from None
            meta = table_metadata(
                conn,
                spec.table,
                delivery_id=result.delivery_id,
                file_name=result.file_name,
                source_file=dg.MetadataValue.path(str(result.path)),
                file_sha256=result.sha256,
                rows_in_file=result.rows_in_file,
                rows_loaded=result.rows_loaded,
                rows_quarantined=result.rows_quarantined,
                **{f"quarantine/{rule}": result.quarantine_by_rule.get(rule, 0) for rule in RULES},
                **{f"field_issue/{rule}": result.field_issues_by_rule.get(rule, 0) for rule in FIELD_RULES},
            )
        context.log.info(
            f"{spec.file_name}: {result.rows_loaded} of {result.rows_in_file} rows loaded, "
            f"{result.rows_quarantined} quarantined, {sum(result.field_issues_by_rule.values())} fields blanked"
        )
        return dg.MaterializeResult(metadata=meta, data_version=dg.DataVersion(result.sha256))

    return load


def _finalise_rule_table(duckdb: DuckDBResource, table: str, finalise_sql: str, rules) -> dg.MaterializeResult:
    """Finalise a per-row rule table (raw.quarantine, raw.field_issue) and summarise it in
    metadata: counts by file and rule only, never a value."""
    with duckdb.get_connection() as conn:
        db.run_sql(conn, f"{SQL}/templates/create_tables.sql")
        db.run_sql(conn, f"{SQL}/{finalise_sql}")
        counts = conn.sql(
            f"SELECT file_name, rule, count(*) FROM {table} GROUP BY file_name, rule ORDER BY file_name, rule"
        ).fetchall()
        by_file: dict[str, dict[str, int]] = {}
        for file_name, rule, n in counts:
            by_file.setdefault(file_name, {})[rule] = int(n)
        table_md = "| file | " + " | ".join(rules) + " |\n|---|" + "---:|" * len(rules) + "\n" + "\n".join(
            f"| {spec.file_name} | " + " | ".join(str(by_file.get(spec.file_name, {}).get(r, 0)) for r in rules) + " |"
            for spec in FILES
        )
        meta = table_metadata(
            conn,
            table,
            by_file_and_rule=dg.MetadataValue.md(table_md),
            **{f"rule/{rule}": sum(f.get(rule, 0) for f in by_file.values()) for rule in rules},
            **{f"file/{spec.file_name}": sum(by_file.get(spec.file_name, {}).values()) for spec in FILES},
        )
    return dg.MaterializeResult(metadata=meta)


@stage_asset(
    "raw.quarantine",
    group=GROUP,
    kinds=KINDS,
    deps=[spec.table for spec in FILES],
    description=(
        "Rows of the delivery that break a contract rule, one row per rejected row and rule "
        "(file_name, row_no, rule, detail naming the column, never the value). Each file's asset "
        "writes its own rows; this asset drops rows left from other deliveries and summarises."
    ),
    also_writes={
        "raw.quarantined_person": "The person fields of quarantined rows (typed like the raw tables), so a "
        "person_ref seen only there still becomes a person record",
    },
)
def quarantine(duckdb: DuckDBResource) -> dg.MaterializeResult:
    return _finalise_rule_table(duckdb, "raw.quarantine", "templates/finalise_quarantine.sql", RULES)


@stage_asset(
    "raw.field_issue",
    group=GROUP,
    kinds=KINDS,
    deps=[spec.table for spec in FILES],
    description=(
        "Fields of loaded rows that were unusable and blanked, one row per row, column and rule "
        "(file_name, row_no, column_name, rule, detail naming the column, never the value): a date of "
        "birth that is no date (31/02/1985), a sex outside M/F/U, a postcode or phone of the wrong shape, "
        "an offence code that is not a code (listed, kept: harm weighs it by default), any date after "
        "extracted_at plus future_date_tolerance_days "
        "(the event then counts for no recency or activity). The row and its links load; only an "
        "unusable key or event date quarantines a row (raw.quarantine)."
    ),
)
def field_issue(duckdb: DuckDBResource) -> dg.MaterializeResult:
    return _finalise_rule_table(duckdb, "raw.field_issue", "templates/finalise_field_issue.sql", FIELD_RULES)


FILE_ASSETS = [_file_asset(spec) for spec in FILES]
ASSETS = [delivery, *FILE_ASSETS, quarantine, field_issue]
