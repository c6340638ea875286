"""Dagster assets of the resolve stage (group ``resolve``, keys ``er/...``).

Thin wrappers over ``steps``: each opens the working database, runs its step
and reports counts (never person values) as metadata.
"""

import json

import dagster as dg
from dagster_duckdb import DuckDBResource

from csenet_dagster import db
from csenet_dagster.assets_common import OWNERS, key, stage_asset, table_metadata
from csenet_dagster.resolve import steps
from csenet_dagster.resolve import config as resolve_config
from csenet_dagster.resolve.corrections import CorrectionsError
from csenet_dagster.resolve.linkage import LinkageError

GROUP = "resolve"
RAW_PERSON_INPUTS = (
    "raw.delivery", "raw.crime", "raw.crime_person", "raw.custody", "raw.intel_log",
    "raw.intel_person", "raw.missing_person", "raw.vehicle", "raw.ocg_member", "raw.quarantined_person",
)


def _counts(values: dict) -> dict:
    return {k: v for k, v in values.items() if isinstance(v, (int, float))}


@stage_asset(
    "er.person_record",
    group=GROUP,
    deps=RAW_PERSON_INPUTS,
    description="Every person record (person_ref) of the delivery once, from all six person files, "
    "with its system, person fields as delivered, number of mentions and first/last seen.",
    also_writes={"er.person_mention": "Every mention of a person_ref in the person files, before grouping"},
)
def person_record(duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        counts = steps.build_person_record(conn)
        return dg.MaterializeResult(metadata=table_metadata(conn, "er.person_record", **counts))


@stage_asset(
    "er.person_std",
    group=GROUP,
    deps=["er.person_record", "raw.delivery"],
    description="Standardised person fields for linkage: name parts, nickname-canonical forename, Soundex, "
    "dob with placeholders removed, UK postcode/outward code, phone, check-character-validated PNC id.",
    also_writes={"er.name_variant": "Forename variants and nicknames -> canonical forename (reference data)"},
)
def person_std(duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        counts = steps.standardise(conn)
        return dg.MaterializeResult(metadata=table_metadata(conn, "er.person_std", **counts))


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key("er.match_pair"),
            deps=[key("er.person_std")],
            description="Candidate record pairs scored by the Splink Fellegi-Sunter model (u by seeded random "
            "sampling, m by EM), kept above keep_pairs_above so every join and near miss can be explained.",
            group_name=GROUP, owners=OWNERS, kinds={"duckdb", "python", "splink"},
        ),
        dg.AssetSpec(
            key("er.match_weight"),
            deps=[key("er.person_std")],
            description="The trained linkage model: m, u and match weight (bits) of every comparison level.",
            group_name=GROUP, owners=OWNERS, kinds={"duckdb", "splink"},
        ),
        dg.AssetSpec(
            key("er.linkage_adaptation"),
            deps=[key("er.person_std")],
            description="What the delivery carried and what linkage did without: each comparison, blocking "
            "and training rule used or left out (nearly empty columns), and parameters taken from priors.",
            group_name=GROUP, owners=OWNERS, kinds={"duckdb", "splink"},
        ),
    ],
    pool=db.DUCKDB_POOL,
    name="er__match_pair",
)
def match_pair(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    cfg = resolve_config.load()
    with duckdb.get_connection() as conn:
        try:
            result = steps.score_pairs(conn, cfg)
        except LinkageError as exc:
            raise dg.Failure(description=str(exc)) from None
        model = json.loads(result["model_json"]) if result["model_json"] else {}
        context.log.info(f"scored {result['records']} records: {result['pairs_kept']} pairs kept")
        context.log.info(f"comparisons left out: {result['comparisons_left_out']}; "
                         f"{result['rules_left_out']} rules left out, "
                         f"{result['parameters_from_priors']} parameters from priors")
        yield dg.MaterializeResult(
            asset_key=key("er.linkage_adaptation"),
            metadata=table_metadata(
                conn, "er.linkage_adaptation",
                comparisons_left_out=result["comparisons_left_out"],
                rules_left_out=result["rules_left_out"],
                parameters_from_priors=result["parameters_from_priors"],
            ),
        )
        # The step's main table last: progress reports (csenet run) show a step's last row count.
        yield dg.MaterializeResult(
            asset_key=key("er.match_weight"),
            metadata=table_metadata(
                conn,
                "er.match_weight",
                probability_two_random_records_match=float(model.get("probability_two_random_records_match", 0.0)),
            ),
        )
        yield dg.MaterializeResult(
            asset_key=key("er.match_pair"),
            metadata=table_metadata(conn, "er.match_pair", **_counts(result), match_threshold=cfg.match_threshold,
                                    reference_records=cfg.reference_records),
        )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key("er.nominal_record"),
            deps=[key("er.match_pair"), key("er.match_weight"), key("er.person_std"), key("prev.nominal_record"),
                  key("prev.id_watermark")],
            description="Crosswalk person_ref -> nominal_id (every ref exactly once) with the match "
            "probability that put the record in its nominal. Stable ids from the last published run "
            "(prev/nominal_record), new ids above prev/id_watermark.",
            group_name=GROUP, owners=OWNERS, kinds={"duckdb", "python"},
        ),
        dg.AssetSpec(
            key("er.identity_correction"),
            deps=[key("er.person_record")],
            description="Analysts' SAME / NOT_SAME decisions from identity.csv with whether this run applied them.",
            group_name=GROUP, owners=OWNERS, kinds={"duckdb", "csv"},
        ),
    ],
    pool=db.DUCKDB_POOL,
    name="er__nominal_record",
)
def nominal_record(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    cfg = resolve_config.load()
    with duckdb.get_connection() as conn:
        try:
            counts = steps.build_nominal_record(conn, cfg)
        except CorrectionsError as exc:
            raise dg.Failure(description=str(exc)) from exc
        context.log.info(
            f"{counts['records']} records -> {counts['nominals']} nominals; "
            f"{counts['corrections_applied']}/{counts['corrections']} corrections applied"
        )
        # The step's main table last: progress reports (csenet run) show a step's last row
        # count, and er/nominal_record was reported with identity_correction's (often 0).
        yield dg.MaterializeResult(
            asset_key=key("er.identity_correction"),
            metadata=table_metadata(
                conn,
                "er.identity_correction",
                corrections=counts["corrections"],
                corrections_applied=counts["corrections_applied"],
            ),
        )
        yield dg.MaterializeResult(
            asset_key=key("er.nominal_record"),
            metadata=table_metadata(conn, "er.nominal_record", **_counts(counts)),
        )


@stage_asset(
    "er.nominal",
    group=GROUP,
    deps=["er.nominal_record", "er.person_record", "er.person_std"],
    description="One row per resolved person (nominal) with best name, dob, sex, valid PNC id, "
    "number of records and systems.",
)
def nominal(duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        counts = steps.build_nominal(conn)
        sizes = counts["size_distribution"]
        return dg.MaterializeResult(
            metadata=table_metadata(
                conn,
                "er.nominal",
                nominals=counts["nominals"],
                cluster_size_distribution=dg.MetadataValue.json({str(k): v for k, v in sizes.items()}),
                largest_nominal=max(sizes, default=0),
            )
        )


@stage_asset(
    "er.nominal_change",
    group=GROUP,
    deps=["er.nominal_record", "prev.nominal_record"],
    description="What happened to each nominal since the last published run: new, kept, merged or split, "
    "with the previous nominal ids.",
)
def nominal_change(duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        counts = steps.build_nominal_change(conn)
        return dg.MaterializeResult(metadata=table_metadata(conn, "er.nominal_change", **counts))


ASSETS = [person_record, person_std, match_pair, nominal_record, nominal, nominal_change]
