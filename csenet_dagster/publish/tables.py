"""The analyst tables: one ``pub.<table>`` asset per table, each audited by blocking checks.

Each table is built by one SQL file in ``sql/5_publish/`` from the stage
tables, then audited before anything reaches analysts (write-audit-publish):

* ``contract_columns``: the columns the force contract and DESIGN.md promise exist
  (``sql/5_publish/checks/contract_columns.sql``, one rule per promised column);
* ``integrity`` (where the table has ``sql/5_publish/checks/<table>.sql``): each
  rule of that file counts offending rows, and any non-zero count fails.

Both checks are blocking, so a failure stops ``publish/analyst_db`` and the
analysts keep the previous ``analyst.duckdb``. Check metadata are rule names
and counts only.
"""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from csenet_dagster import assets_common, db, ids, sql_checks

GROUP = "publish"

# The person files of the delivery: the independent truth of "every person_ref
# of the delivery" that the nominal_record audit checks against.
RAW_PERSON_TABLES = (
    "raw.crime_person",
    "raw.custody",
    "raw.intel_person",
    "raw.missing_person",
    "raw.vehicle",
    "raw.ocg_member",
)


@dataclass(frozen=True)
class PubTable:
    """One analyst table: how it is built, what it reads and what it must hold."""

    name: str
    sql_file: str
    description: str
    reads: tuple[str, ...]
    required_columns: tuple[str, ...]
    has_integrity_rules: bool = True

    @property
    def table(self) -> str:
        return f"pub.{self.name}"

    @property
    def asset_key(self) -> dg.AssetKey:
        return assets_common.key(self.table)


# In build order. A table whose audit reads another pub table lists it in
# ``reads`` so that table is built (and audited) first.
PUB_TABLES: tuple[PubTable, ...] = (
    PubTable(
        "network",
        "01_network.sql",
        "One row per CSE network with harm_score and priority_rank (1 = highest priority).",
        reads=("net.network", "harm.network_harm", "harm.network_priority"),
        required_columns=("network_id", "n_members", "harm_score", "priority_rank"),
    ),
    PubTable(
        "nominal",
        "02_nominal.sql",
        "One row per resolved person (nominal): best name, dob, harm_score and its "
        "highest-priority CSE network (null when in none).",
        reads=("er.nominal", "harm.nominal_harm", "harm.nominal_priority", "net.network_member", "pub.network"),
        required_columns=(
            "nominal_id", "surname", "forenames", "dob", "sex", "pnc_id",
            "n_records", "n_systems", "harm_score", "network_id",
        ),
    ),
    PubTable(
        "nominal_record",
        "03_nominal_record.sql",
        "Every person record (person_ref) of the delivery exactly once, with its nominal.",
        reads=("er.nominal_record", "er.person_record", "pub.nominal", *RAW_PERSON_TABLES, "raw.quarantined_person"),
        required_columns=("person_ref", "nominal_id", "match_probability", "system"),
    ),
    PubTable(
        "edge",
        "04_edge.sql",
        "One row per pair of nominals and link type: weight, first/last seen, events, source refs.",
        reads=("net.edge", "pub.nominal"),
        required_columns=(
            "nominal_id_a", "nominal_id_b", "link_type", "weight",
            "first_seen", "last_seen", "n_events", "source_refs",
        ),
    ),
    PubTable(
        "edge_evidence",
        "05_edge_evidence.sql",
        "Every event behind an edge: source file, source reference and date.",
        reads=("net.edge_evidence", "pub.nominal", "pub.edge"),
        required_columns=(
            "nominal_id_a", "nominal_id_b", "link_type", "source_file", "source_ref", "event_date",
        ),
    ),
    PubTable(
        "network_member",
        "06_network_member.sql",
        "One row per nominal in a CSE network: role and centrality measures, within the "
        "network and (graph_*) in the whole graph.",
        reads=("net.network_member", "net.centrality", "pub.network", "pub.nominal"),
        required_columns=(
            "network_id", "nominal_id", "member_role", "member_reasons", "degree", "weighted_degree",
            "betweenness", "pagerank", "eigenvector", "brokerage",
            "offender_degree", "offender_betweenness", "offender_pagerank",
            "graph_degree", "graph_weighted_degree", "graph_betweenness", "graph_pagerank",
        ),
    ),
    PubTable(
        "network_link",
        "07_network_link.sql",
        "Pairs of CSE networks joined through broker nominals.",
        reads=("net.network_link", "pub.network"),
        required_columns=("network_id_a", "network_id_b", "n_edges", "weight", "broker_nominal_ids"),
    ),
    PubTable(
        "soc_link",
        "08_soc_link.sql",
        "CSE networks linked to organised crime groups (OCGs): kind and strength of the link.",
        reads=("harm.soc_link", "pub.network"),
        required_columns=("network_id", "ocg_ref", "link_kind", "strength"),
    ),
    PubTable(
        "quarantine",
        "09_quarantine.sql",
        "Rows of the delivery rejected by ingest, one per row and rule (file, row number, rule).",
        reads=("raw.quarantine", "raw.delivery"),
        required_columns=("delivery_id", "file_name", "row_no", "rule", "detail"),
    ),
    PubTable(
        "field_issue",
        "19_field_issue.sql",
        "Fields of the delivery blanked by ingest because they were unusable (impossible date of birth, "
        "postcode or phone of the wrong shape, future date...), one per row, column and rule; the row loaded.",
        reads=("raw.field_issue", "raw.delivery"),
        required_columns=("delivery_id", "file_name", "row_no", "column_name", "rule", "detail"),
    ),
    PubTable(
        "nominal_change",
        "10_nominal_change.sql",
        "What happened to each nominal id since the last published run (new, kept, merged, split).",
        reads=("er.nominal_change",),
        required_columns=("nominal_id", "change", "previous_nominal_ids"),
        has_integrity_rules=False,
    ),
    PubTable(
        "explanation",
        "11_explanation.sql",
        "The items every network and nominal priority score is made of, and what changed since the last run.",
        reads=("harm.explanation",),
        required_columns=("subject_kind", "subject_id", "component", "contribution", "detail"),
        has_integrity_rules=False,
    ),
    PubTable(
        "member_reason",
        "16_member_reason.sql",
        "Why each member is in each network: one row per network, nominal and reason, with evidence refs and dates.",
        reads=("net.network_member", "pub.network_member", "net.member_reason"),
        required_columns=("network_id", "nominal_id", "reason", "reason_role", "admits", "source_refs",
                          "first_seen", "last_seen"),
    ),
    PubTable(
        "child_safeguarding",
        "18_child_safeguarding.sql",
        "CSE victims and children at risk ranked for safeguarding review (never targets).",
        reads=("harm.child_safeguarding",),
        required_columns=("nominal_id", "member_role", "n_offenders_linked", "n_missing_episodes",
                          "last_event_date", "safeguarding_score", "safeguarding_rank"),
    ),
    PubTable(
        "peer_safeguarding",
        "21_peer_safeguarding.sql",
        "Crimes on the CSE list where every suspect was a child (harmful sexual behaviour between peers).",
        reads=("net.cse_seed", "net.peer_safeguarding_case"),
        required_columns=("crime_ref", "offence_code", "offence_date", "child_suspect_nominal_ids", "victim_nominal_ids"),
        has_integrity_rules=False,
    ),
    PubTable(
        "person_of_concern",
        "22_person_of_concern.sql",
        "Adults with whom missing children of different households were found on separate episodes (a flag, not a role).",
        reads=("net.network_member", "net.person_of_concern"),
        required_columns=("nominal_id", "n_unrelated_children", "n_episodes", "episode_refs", "rule"),
        has_integrity_rules=False,
    ),
    PubTable(
        "nominal_priority",
        "12_nominal_priority.sql",
        "Nominals with priority points, ranked for review (1 = highest priority); never victims or children at risk.",
        reads=("harm.nominal_priority", "pub.nominal", "pub.network_member", "pub.child_safeguarding"),
        required_columns=("nominal_id", "priority_rank", "priority_score"),
    ),
    PubTable(
        "id_watermark",
        "15_id_watermark.sql",
        "Highest nominal and network id number ever issued, so ids are never reused across runs.",
        reads=("er.nominal_record", "net.network", "net.shareable", "prev.id_watermark", "pub.nominal", "pub.network"),
        required_columns=("kind", "max_issued"),
    ),
    PubTable(
        "unknown_offence_code",
        "17_unknown_offence_code.sql",
        "Offence codes of the delivery outside the weights: rows, the fallback weight taken "
        "(Home Office class or default) and the share of crime harm resting on it.",
        reads=("harm.offence_weight", "harm.crime_harm", "harm.unknown_offence_code"),
        required_columns=(
            "offence_code", "offence_title_delivered", "n_rows", "fallback_used", "harm_days",
            "share_of_crime_harm",
        ),
    ),
    PubTable(
        "linkage_adaptation",
        "20_linkage_adaptation.sql",
        "Beside `run`: what the delivery carried and what entity resolution did without (comparisons, "
        "blocking and training rules left out over nearly empty columns, parameters from priors).",
        reads=("er.linkage_adaptation",),
        required_columns=("kind", "name", "columns", "status", "fill_share", "detail"),
        has_integrity_rules=False,
    ),
)


def build_table(conn: duckdb.DuckDBPyConnection, spec: PubTable) -> None:
    """pub.<table> from its SQL file (ids' formats and kinds from csenet_dagster/ids.py)."""
    db.run_sql(conn, f"5_publish/{spec.sql_file}", **ids.sql_params())


def contract_column_faults(conn: duckdb.DuckDBPyConnection, spec: PubTable) -> dict[str, float]:
    """``missing_column/<column>`` -> 1 for each promised column ``pub.<table>`` lacks, else 0."""
    return sql_checks.rule_counts(
        conn, "5_publish/checks/contract_columns.sql",
        [{"table_name": spec.name, "column_name": column} for column in spec.required_columns],
    )


def missing_columns(conn: duckdb.DuckDBPyConnection, spec: PubTable) -> list[str]:
    faults = contract_column_faults(conn, spec)
    return [column for column in spec.required_columns if faults[f"missing_column/{column}"]]


def integrity_failures(conn: duckdb.DuckDBPyConnection, spec: PubTable) -> dict[str, float]:
    """Rule name -> number of offending rows, for every rule of the table's audit file."""
    return sql_checks.rule_counts(conn, f"5_publish/checks/{spec.name}.sql")


def audit(conn: duckdb.DuckDBPyConnection, spec: PubTable) -> list[dg.AssetCheckResult]:
    """Both checks of a pub table, in the one idiom of ``sql_checks`` (rule counts, all 0 to pass)."""
    faults = contract_column_faults(conn, spec)
    results = [sql_checks.check_result(faults, check_name="contract_columns")]
    if spec.has_integrity_rules:
        if any(faults.values()):
            # The rules would fail on the missing columns with a less useful message.
            results.append(
                dg.AssetCheckResult(
                    check_name="integrity", passed=False, description="not run: contract columns missing"
                )
            )
        else:
            results.append(sql_checks.check_result(integrity_failures(conn, spec), check_name="integrity"))
    return results


def check_specs(spec: PubTable) -> list[dg.AssetCheckSpec]:
    specs = [
        dg.AssetCheckSpec(
            "contract_columns",
            asset=spec.asset_key,
            blocking=True,
            description="The columns promised by the output contract and DESIGN.md are present.",
        )
    ]
    if spec.has_integrity_rules:
        specs.append(
            dg.AssetCheckSpec(
                "integrity",
                asset=spec.asset_key,
                blocking=True,
                description=f"Every rule of sql/5_publish/checks/{spec.name}.sql counts 0 offending rows.",
            )
        )
    return specs


def build_asset(spec: PubTable) -> dg.AssetsDefinition:
    @assets_common.stage_asset(
        spec.table,
        group=GROUP,
        description=f"analyst.{spec.name}: {spec.description}",
        deps=spec.reads,
        check_specs=check_specs(spec),
    )
    def pub_table(duckdb: DuckDBResource) -> dg.MaterializeResult:
        with duckdb.get_connection() as conn:
            build_table(conn, spec)
            results = audit(conn, spec)
            metadata = assets_common.table_metadata(conn, spec.table)
        return dg.MaterializeResult(metadata=metadata, check_results=results)

    return pub_table


PUB_ASSETS = [build_asset(spec) for spec in PUB_TABLES]
