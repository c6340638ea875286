"""Probabilistic record linkage of standardised person records with Splink 5.

Fellegi-Sunter model on the DuckDB backend, in a private in-memory DuckDB so
Splink's scratch tables never touch the working database. Parameters are
estimated without labels: u from random record pairs (fixed seed), m by EM.

Same records + settings => bit-identical parameters and probabilities. EM sums
floating-point numbers in the physical row order of Splink's scratch tables
(records with term frequencies, blocked pairs), and a different order changes
the last bits of m, u and every probability. So the records are loaded sorted
by person_ref and every training step (prior, u sampling, EM) runs on one
thread, which builds those tables in one fixed order. Scoring is row-wise (one
expression per pair, output sorted), so it uses every core.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from csenet_dagster import db
from csenet_dagster.resolve.config import ResolveSettings

# Columns of er.person_std the model reads (and nothing else: no raw text).
MODEL_COLUMNS = (
    "person_ref",
    "surname_std",
    "surname_first",
    "surname_last",
    "surname_sdx",
    "forename1",
    "forename2",
    "forename_canonical",
    "forename_initial",
    "forename_is_initial",
    "forename_sdx",
    "dob_std",
    "dob_placeholder_year",
    "sex_std",
    "postcode_std",
    "postcode_outward",
    "phone_std",
    "pnc_std",
)


def _null(col: str) -> dict:
    return {"sql_condition": f'"{col}_l" IS NULL OR "{col}_r" IS NULL', "label_for_charts": "null", "is_null_level": True}


def _level(sql: str, label: str, tf: str | None = None) -> dict:
    level = {"sql_condition": sql, "label_for_charts": label}
    if tf:
        level["tf_adjustment_column"] = tf
        level["tf_adjustment_weight"] = 1.0
    return level


ELSE = {"sql_condition": "ELSE", "label_for_charts": "else"}
NEUTRAL_PROBABILITY = 1e-4

# Forename and surname given the other way round (either record swapped).
SWAPPED = (
    "(surname_std_l = forename1_r AND forename1_l = surname_first_r)"
    " OR (surname_first_l = forename1_r AND forename1_l = surname_std_r)"
    " OR (surname_std_r = forename1_l AND forename1_r = surname_first_l)"
    " OR (surname_first_r = forename1_l AND forename1_r = surname_std_l)"
)


def comparisons() -> list:
    """Comparison levels, most specific first, per evidence field."""
    from splink import comparison_library as cl

    surname = cl.CustomComparison(
        output_column_name="surname",
        comparison_levels=[
            _null("surname_std"),
            _level("surname_std_l = surname_std_r", "exact", tf="surname_std"),
            _level(SWAPPED, "swapped with forename"),
            _level(
                "surname_first_l = surname_first_r OR surname_last_l = surname_last_r"
                " OR surname_first_l = surname_last_r OR surname_last_l = surname_first_r",
                "shares a part (double-barrelled)",
            ),
            _level(
                "damerau_levenshtein(surname_std_l, surname_std_r) <= 1"
                " OR jaro_winkler_similarity(surname_std_l, surname_std_r) >= 0.92",
                "one typo / very similar",
            ),
            _level(
                "jaro_winkler_similarity(surname_std_l, surname_std_r) >= 0.85"
                " OR surname_sdx_l = surname_sdx_r",
                "similar or sounds alike",
            ),
            ELSE,
        ],
    )
    forename = cl.CustomComparison(
        output_column_name="forename",
        comparison_levels=[
            _null("forename1"),
            _level("forename1_l = forename1_r", "exact", tf="forename1"),
            # Swapped names are scored once, in the surname comparison; this level only
            # keeps them out of "else" here (fixed neutral weight, not trained).
            {
                "sql_condition": SWAPPED,
                "label_for_charts": "swapped (scored under surname)",
                "m_probability": NEUTRAL_PROBABILITY,
                "u_probability": NEUTRAL_PROBABILITY,
                "fix_m_probability": True,
                "fix_u_probability": True,
            },
            _level("forename_canonical_l = forename_canonical_r", "nickname / variant", tf="forename_canonical"),
            _level(
                "forename1_l = forename2_r OR forename2_l = forename1_r",
                "first name is the other's middle name",
            ),
            _level(
                "damerau_levenshtein(forename1_l, forename1_r) <= 1"
                " OR jaro_winkler_similarity(forename1_l, forename1_r) >= 0.9",
                "one typo / very similar",
            ),
            _level(
                "(forename_is_initial_l OR forename_is_initial_r) AND forename_initial_l = forename_initial_r",
                "initial agrees",
            ),
            _level("forename_sdx_l = forename_sdx_r", "sounds alike"),
            ELSE,
        ],
    )
    dob = cl.CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            # before the null level: a 01/01/<year> placeholder still tells the year
            _level(
                "(dob_std_l IS NULL AND dob_placeholder_year_l = year(dob_std_r))"
                " OR (dob_std_r IS NULL AND dob_placeholder_year_r = year(dob_std_l))"
                " OR dob_placeholder_year_l = dob_placeholder_year_r",
                "year agrees with a 01/01/<year> placeholder",
            ),
            _null("dob_std"),
            _level("dob_std_l = dob_std_r", "exact"),
            _level(
                "damerau_levenshtein(CAST(dob_std_l AS VARCHAR), CAST(dob_std_r AS VARCHAR)) <= 1"
                " OR (year(dob_std_l) = year(dob_std_r) AND month(dob_std_l) = day(dob_std_r)"
                " AND day(dob_std_l) = month(dob_std_r))",
                "one digit wrong or transposed, or day/month swapped",
            ),
            _level("abs(date_diff('day', dob_std_l, dob_std_r)) <= 366", "within a year"),
            ELSE,
        ],
    )
    postcode = cl.CustomComparison(
        output_column_name="postcode",
        comparison_levels=[
            _null("postcode_std"),
            _level("postcode_std_l = postcode_std_r", "exact", tf="postcode_std"),
            _level("postcode_outward_l = postcode_outward_r", "same outward code"),
            ELSE,
        ],
    )
    phone = cl.CustomComparison(
        output_column_name="phone",
        comparison_levels=[_null("phone_std"), _level("phone_std_l = phone_std_r", "exact", tf="phone_std"), ELSE],
    )
    pnc = cl.CustomComparison(
        output_column_name="pnc",
        comparison_levels=[
            _null("pnc_std"),
            _level("pnc_std_l = pnc_std_r", "same valid PNC id"),
            # Two valid PNC ids are two people: a fixed veto, not learnt (PNC-sharing
            # blocks rarely show a disagreement to learn from).
            {"sql_condition": "ELSE", "label_for_charts": "different valid PNC ids",
             "m_probability": 1e-9, "fix_m_probability": True},
        ],
    )
    sex = cl.CustomComparison(
        output_column_name="sex",
        comparison_levels=[_null("sex_std"), _level("sex_std_l = sex_std_r", "exact"), ELSE],
    )
    return [surname, forename, dob, postcode, phone, pnc, sex]


def prediction_blocking_rules() -> list:
    """Equi-join blocks: each pair of records sharing one of these keys is scored.

    Every rule pairs a name key with a near-unique key (dob, postcode,
    district), or is a near-unique key itself (PNC, phone), so the number of
    pairs grows about linearly with the number of records; a name alone
    (James Smith) would grow with its square.
    """
    from splink import block_on

    dob_year = "substr(CAST(dob_std AS VARCHAR), 1, 4)"
    return [
        block_on("surname_std", "dob_std"),
        block_on("forename_canonical", "dob_std"),
        block_on("surname_sdx", "dob_std"),
        block_on("dob_std", "postcode_outward"),
        block_on("forename_canonical", "surname_std", "postcode_outward"),
        block_on("forename_canonical", "surname_std", dob_year),
        block_on("postcode_std", "forename_initial"),
        block_on("pnc_std"),
        block_on("phone_std"),
        # forename and surname swapped on one record: same dob or same district
        "l.surname_std = r.forename1 AND l.forename1 = r.surname_first AND l.dob_std = r.dob_std",
        "l.surname_std = r.forename1 AND l.forename1 = r.surname_first AND l.postcode_outward = r.postcode_outward",
        "l.forename1 = r.surname_std AND l.surname_first = r.forename1 AND l.dob_std = r.dob_std",
        "l.forename1 = r.surname_std AND l.surname_first = r.forename1 AND l.postcode_outward = r.postcode_outward",
    ]


def deterministic_rules() -> list:
    """Near-certain matches, used only to estimate the prior match rate."""
    from splink import block_on

    return [
        block_on("forename1", "surname_std", "dob_std"),
        block_on("pnc_std"),
    ]


def training_blocking_rules() -> list:
    """EM passes over blocks made mostly of true matches.

    A comparison is trained in every pass whose block does not use its
    columns: names where dob and district agree, dob where full name and
    district agree, postcode where full name and dob agree.
    """
    from splink import block_on

    return [
        block_on("pnc_std"),
        block_on("dob_std", "postcode_outward"),
        block_on("forename_canonical", "surname_std", "dob_std"),
    ]


def floor_m_probabilities(model: dict, floor: float, exempt: tuple[str, ...] = ("pnc",)) -> dict:
    """Keep one disagreeing field from vetoing a match on its own.

    EM on synthetic or very clean data can learn m ~ 0 for a disagreement
    (e.g. sex), i.e. an almost infinite penalty; real records do carry such
    errors. Two different valid PNC ids stay a veto (exempt).
    """
    for comparison in model["comparisons"]:
        if comparison["output_column_name"] in exempt:
            continue
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level") or level.get("fix_m_probability"):
                continue
            m = level.get("m_probability")
            # a level never seen among training matches is rare in matches: floor too
            if m is None or m < floor:
                level["m_probability"] = floor
    return model


@dataclass(frozen=True)
class LinkageResult:
    pairs: pa.Table  # person_ref_l, person_ref_r, match_weight, match_probability
    n_records: int
    n_pairs_scored: int
    model_json: str
    seconds: dict[str, float]


def link(records: pa.Table, cfg: ResolveSettings) -> LinkageResult:
    """Score candidate pairs of ``records`` (columns MODEL_COLUMNS, sorted by person_ref)."""
    from splink import DuckDBAPI, Linker, SettingsCreator

    logging.getLogger("splink").setLevel(logging.ERROR)  # its "level not observed" notes are noise here
    splink_conn = duckdb.connect(":memory:", config=dict(db.CONNECTION_CONFIG))
    try:
        splink_conn.execute("SET enable_progress_bar = false")
        splink_conn.execute("SET preserve_insertion_order = true")
        splink_conn.execute("SET threads TO 1")  # training: one thread, one row order, same bits
        splink_conn.register("person_std_arrow", records)
        splink_conn.execute(
            "CREATE TABLE person_std AS SELECT * FROM person_std_arrow ORDER BY person_ref"
        )
        splink_conn.unregister("person_std_arrow")
        n_records = records.num_rows
        if n_records < 2:
            return LinkageResult(_empty_pairs(), n_records, 0, "", {})

        api = DuckDBAPI(connection=splink_conn)
        model = SettingsCreator(
            link_type="dedupe_only",
            unique_id_column_name="person_ref",
            comparisons=comparisons(),
            blocking_rules_to_generate_predictions=prediction_blocking_rules(),
            retain_matching_columns=False,
            retain_intermediate_calculation_columns=False,
            max_iterations=25,
            em_convergence=0.0001,
            linker_uid="csenet_er",
        )
        source = api.register("person_std")
        linker = Linker(source, model, log_level=None)
        seconds: dict[str, float] = {}
        clock = time.perf_counter()

        def lap(name: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            seconds[name] = round(now - clock, 2)
            clock = now

        linker.training.estimate_probability_two_random_records_match(
            deterministic_rules(), recall=cfg.deterministic_rule_recall
        )
        lap("prior")
        linker.training.estimate_u_using_random_sampling(
            max_pairs=cfg.u_sample_pairs, seed=cfg.random_seed
        )
        lap("u_sampling")
        for rule in training_blocking_rules():
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, max_pairs=cfg.em_max_pairs
            )
        lap("em")
        splink_conn.execute(f"SET threads TO {_cores()}")  # scoring is row-wise
        model_dict = floor_m_probabilities(linker.misc.save_model_to_json(), cfg.m_probability_floor)
        linker = Linker(api.register("person_std", table_name="person_std_scoring"), model_dict, log_level=None)
        scored = linker.inference.predict(
            threshold_match_probability=cfg.keep_pairs_above, warning_mode="never"
        )
        lap("predict")
        n_scored = db.scalar(splink_conn, "SELECT count(*) FROM " + scored.physical_name)
        pairs = splink_conn.sql(
            f"""SELECT person_ref_l, person_ref_r,
                       round(match_weight, 6) AS match_weight,
                       round(match_probability, 9) AS match_probability
                FROM {scored.physical_name}
                ORDER BY person_ref_l, person_ref_r"""
        ).to_arrow_table()
        model_json = json.dumps(model_dict, sort_keys=True)
        return LinkageResult(pairs, n_records, int(n_scored), model_json, seconds)
    finally:
        splink_conn.close()


def _cores() -> int:
    import os

    return max(1, os.cpu_count() or 1)


def _empty_pairs() -> pa.Table:
    return pa.table(
        {
            "person_ref_l": pa.array([], pa.string()),
            "person_ref_r": pa.array([], pa.string()),
            "match_weight": pa.array([], pa.float64()),
            "match_probability": pa.array([], pa.float64()),
        }
    )
