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
import math
import time
from dataclasses import dataclass, field

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
    "surname_is_title",
    "forename1",
    "forename2",
    "forename_canonical",
    "forename_initial",
    "forename_is_initial",
    "forename_sdx",
    "forename_is_prefix",
    "dob_std",
    "dob_placeholder_year",
    "sex_std",
    "postcode_std",
    "address_key",
    "postcode_sector",
    "postcode_outward",
    "phone_std",
    "pnc_std",
)


# The evidence fields (one Splink comparison each) and the columns whose fill decides
# whether a delivery carries them. A field whose columns are empty or nearly so is
# left out of the model, with every rule that uses them (see ``adapt``).
FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "surname": ("surname_std",),
    "forename": ("forename1",),
    "dob": ("dob_std",),
    "postcode": ("postcode_std",),
    "phone": ("phone_std",),
    "pnc": ("pnc_std",),
    "sex": ("sex_std",),
}

# Prior m probabilities (share of true matches showing each level, strongest level
# first, null level excluded) for a comparison that no EM pass could estimate in this
# delivery, e.g. dob when no training block leaves dob free. Values are csenet's own
# reading of the EM estimates on generated deliveries (docs/entity_resolution.md),
# rounded and conservative on agreement; they are used only where EM could not run.
PRIOR_M: dict[str, tuple[float, ...]] = {
    "surname": (0.84, 0.03, 0.01, 0.005, 0.01, 0.07, 0.02, 0.01, 0.005),
    "forename": (0.78, 1e-4, 0.04, 0.01, 0.06, 0.06, 0.01, 0.005, 0.035),
    "dob": (0.02, 0.93, 0.02, 0.015, 0.015),
    "postcode": (0.80, 0.01, 0.02, 0.02, 0.02, 0.13),
    "phone": (0.90, 0.10),
    "pnc": (0.999, 1e-9),
    "sex": (0.99, 0.01),
}

NEUTRAL_PROBABILITY = 1e-4


def _swapped():
    """Forename and surname given the other way round on either record (Splink's
    ColumnsReversedLevel, also against the first part of a double-barrelled surname)."""
    from splink import comparison_level_library as cll

    def both(a1: str, a2: str, b1: str, b2: str):
        # a1_l = a2_r AND b1_l = b2_r
        return cll.And(cll.ColumnsReversedLevel(a1, a2), cll.ColumnsReversedLevel(b1, b2))

    return cll.Or(
        both("surname_std", "forename1", "forename1", "surname_first"),
        both("surname_first", "forename1", "forename1", "surname_std"),
        both("forename1", "surname_std", "surname_first", "forename1"),
        both("forename1", "surname_first", "surname_std", "forename1"),
    )


def _swapped_fuzzy():
    """Swapped forename and surname where one of the two swapped names has a typo
    (Jaro-Winkler >= 0.9) and the other is exact."""
    from splink import comparison_level_library as cll

    def near(a: str, b: str) -> str:
        return f"jaro_winkler_similarity({a}, {b}) >= 0.9"

    return cll.CustomLevel(
        f"(surname_std_l = forename1_r AND {near('forename1_l', 'surname_std_r')})"
        f" OR (forename1_l = surname_std_r AND {near('surname_std_l', 'forename1_r')})"
    )


def comparisons(fields: tuple[str, ...] | None = None) -> list:
    """Comparisons from Splink's comparison-level library, most specific level first.

    ``fields``: the evidence fields to include (default: all of FIELD_COLUMNS)."""
    from splink import comparison_level_library as cll
    from splink import comparison_library as cl
    from splink import ColumnExpression

    def label(level, text: str):
        return level.configure(label_for_charts=text)

    built = {
        "surname": [
            cll.NullLevel("surname_std"),
            label(cll.ExactMatchLevel("surname_std", term_frequency_adjustments=True), "exact"),
            label(_swapped(), "swapped with forename"),
            label(_swapped_fuzzy(), "swapped with forename, one name misspelt"),
            # Half a swap: one record's surname is the other's forename and the other name
            # differs (family name first with the given name left out or replaced). The
            # forename comparison still scores the names that differ.
            label(
                cll.Or(cll.ColumnsReversedLevel("surname_std", "forename1"),
                       cll.ColumnsReversedLevel("forename1", "surname_std")),
                "one record's surname is the other's forename",
            ),
            label(
                cll.Or(
                    cll.ExactMatchLevel("surname_first"), cll.ExactMatchLevel("surname_last"),
                    cll.ColumnsReversedLevel("surname_first", "surname_last"),
                    cll.ColumnsReversedLevel("surname_last", "surname_first"),
                ),
                "shares a part (double-barrelled)",
            ),
            label(
                cll.Or(cll.DamerauLevenshteinLevel("surname_std", 1), cll.JaroWinklerLevel("surname_std", 0.92)),
                "one typo / very similar",
            ),
            label(
                cll.Or(cll.JaroWinklerLevel("surname_std", 0.85), cll.ExactMatchLevel("surname_sdx")),
                "similar or sounds alike",
            ),
            # Begum, Bibi, Khatun, Kaur or Singh on one record, another surname on the other: a
            # woman recorded under the title name in one system and the family name in another
            # (er.person_std.surname_is_title). Its own m and u, so such a pair is not scored as
            # two different surnames; measured: most South Asian pairs missed were these.
            label(cll.CustomLevel("surname_is_title_l OR surname_is_title_r"),
                  "one is a title name (Begum, Kaur, Singh)"),
            label(cll.ElseLevel(), "else"),
        ],
        "forename": [
            cll.NullLevel("forename1"),
            label(cll.ExactMatchLevel("forename1", term_frequency_adjustments=True), "exact"),
            # Swapped names are scored once, in the surname comparison; this level only
            # keeps them out of "else" here (fixed neutral weight, not trained).
            cll.Or(_swapped(), _swapped_fuzzy()).configure(
                label_for_charts="swapped (scored under surname)",
                m_probability=NEUTRAL_PROBABILITY, u_probability=NEUTRAL_PROBABILITY,
                fix_m_probability=True, fix_u_probability=True,
            ),
            # the forename variant dictionary (sql/2_resolve/01_name_variant.sql)
            label(cll.ExactMatchLevel("forename_canonical", term_frequency_adjustments=True), "nickname / variant"),
            label(
                cll.Or(cll.ColumnsReversedLevel("forename1", "forename2"), cll.ColumnsReversedLevel("forename2", "forename1")),
                "first name is the other's middle name",
            ),
            label(
                cll.Or(cll.DamerauLevenshteinLevel("forename1", 1), cll.JaroWinklerLevel("forename1", 0.9)),
                "one typo / very similar",
            ),
            # an initial against a full forename (J against John)
            label(
                cll.CustomLevel(
                    "(forename_is_initial_l OR forename_is_initial_r) AND forename_initial_l = forename_initial_r"
                ),
                "initial agrees",
            ),
            label(cll.ExactMatchLevel("forename_sdx"), "sounds alike"),
            # Mohammed alone on one record, the calling name on the other (the prefix
            # dropped, er.person_std.forename_is_prefix); measured: most South Asian pairs
            # missed with a forename disagreement at 1M records were these.
            label(cll.CustomLevel("forename_is_prefix_l OR forename_is_prefix_r"), "one is a prefix name (Mohammed)"),
            label(cll.ElseLevel(), "else"),
        ],
        "dob": [
            # before the null level: a 01/01/<year> placeholder (nulled by er.person_std)
            # still tells the year
            label(
                cll.CustomLevel(
                    "(dob_std_l IS NULL AND dob_placeholder_year_l = year(dob_std_r))"
                    " OR (dob_std_r IS NULL AND dob_placeholder_year_r = year(dob_std_l))"
                    " OR dob_placeholder_year_l = dob_placeholder_year_r"
                ),
                "year agrees with a 01/01/<year> placeholder",
            ),
            cll.NullLevel("dob_std"),
            label(cll.ExactMatchLevel("dob_std"), "exact"),
            label(
                cll.Or(
                    # one digit wrong or two transposed, in YYYY-MM-DD
                    cll.DamerauLevenshteinLevel(ColumnExpression("dob_std").cast_to_string(), 1),
                    # day and month swapped
                    cll.CustomLevel(
                        "year(dob_std_l) = year(dob_std_r) AND month(dob_std_l) = day(dob_std_r)"
                        " AND day(dob_std_l) = month(dob_std_r)"
                    ),
                    # year one out, day and month right (1989 / 1990)
                    cll.CustomLevel(
                        "month(dob_std_l) = month(dob_std_r) AND day(dob_std_l) = day(dob_std_r)"
                        " AND abs(year(dob_std_l) - year(dob_std_r)) = 1"
                    ),
                ),
                "one digit wrong or transposed, day/month swapped, or year one out",
            ),
            label(
                cll.AbsoluteDateDifferenceLevel("dob_std", input_is_string=False, threshold=1, metric="year"),
                "within a year",
            ),
            label(cll.ElseLevel(), "else"),
        ],
        # postcode and address as one comparison (they are not independent evidence). The
        # address only speaks when the postcodes differ: a same-postcode-and-house level
        # would add to the evidence of relatives living together, the main false matches.
        "postcode": [
            cll.NullLevel("postcode_std"),
            label(cll.ExactMatchLevel("postcode_std", term_frequency_adjustments=True), "exact"),
            label(cll.ExactMatchLevel("address_key", term_frequency_adjustments=True),
                  "same house number and street, postcode differs"),
            label(cll.DamerauLevenshteinLevel("postcode_std", 1), "one character wrong or transposed"),
            label(cll.ExactMatchLevel("postcode_sector"), "same sector"),
            label(cll.ExactMatchLevel("postcode_outward"), "same outward code"),
            label(cll.ElseLevel(), "else"),
        ],
        "phone": [
            cll.NullLevel("phone_std"),
            label(cll.ExactMatchLevel("phone_std", term_frequency_adjustments=True), "exact"),
            label(cll.ElseLevel(), "else"),
        ],
        "pnc": [
            cll.NullLevel("pnc_std"),
            label(cll.ExactMatchLevel("pnc_std"), "same valid PNC id"),
            # Two valid PNC ids are two people: a fixed veto, not learnt (PNC-sharing
            # blocks rarely show a disagreement to learn from).
            cll.ElseLevel().configure(
                label_for_charts="different valid PNC ids", m_probability=1e-9, fix_m_probability=True
            ),
        ],
        "sex": [
            cll.NullLevel("sex_std"),
            label(cll.ExactMatchLevel("sex_std"), "exact"),
            label(cll.ElseLevel(), "else"),
        ],
    }
    wanted = tuple(FIELD_COLUMNS) if fields is None else fields
    return [cl.CustomComparison(output_column_name=f, comparison_levels=built[f]) for f in wanted]


@dataclass(frozen=True)
class Rule:
    """A blocking or training rule, written as plain SQL (no quoted identifiers, so
    error messages that mask quoted text still show it), with the columns it needs."""

    sql: str
    columns: tuple[str, ...]
    equi_keys: tuple[str, ...] = ()  # when an equi-join on these: its pairs can be counted
    # A block on a name alone grows with the square of a common name's frequency. Such
    # a rule is used only while it generates at most this many pairs per record
    # (small or name-diverse deliveries); otherwise it is left out and recorded.
    max_pairs_per_record: float | None = None


def equi(*columns: str, max_pairs_per_record: float | None = None) -> Rule:
    return Rule(" AND ".join(f"l.{c} = r.{c}" for c in columns), tuple(columns), tuple(columns),
                max_pairs_per_record)


def prediction_blocking_rules() -> list[Rule]:
    """Equi-join blocks: each pair of records sharing one of these keys is scored.

    Every rule pairs a name key with a near-unique key (dob, postcode,
    district), or is a near-unique key itself (PNC, phone), so the number of
    pairs grows about linearly with the number of records; a name alone
    (James Smith) would grow with its square.
    """
    swap = "l.surname_std = r.forename1 AND l.forename1 = r.surname_first"
    swap_back = "l.forename1 = r.surname_std AND l.surname_first = r.forename1"
    name_cols = ("surname_std", "forename1", "surname_first")
    return [
        equi("surname_std", "dob_std"),
        equi("forename_canonical", "dob_std"),
        equi("surname_sdx", "dob_std"),
        equi("dob_std", "postcode_outward"),
        equi("forename_canonical", "surname_std", "postcode_outward"),
        Rule("l.forename_canonical = r.forename_canonical AND l.surname_std = r.surname_std"
             " AND year(l.dob_std) = year(r.dob_std)", ("forename_canonical", "surname_std", "dob_std")),
        equi("postcode_std", "forename_initial"),
        equi("pnc_std"),
        equi("phone_std"),
        # forename and surname swapped on one record: same dob or same district
        # (with the same dob, one swapped name may also be misspelt)
        Rule("l.surname_std = r.forename1 AND l.dob_std = r.dob_std", ("surname_std", "forename1", "dob_std")),
        Rule(f"{swap} AND l.postcode_outward = r.postcode_outward", name_cols + ("postcode_outward",)),
        Rule("l.forename1 = r.surname_std AND l.dob_std = r.dob_std", ("surname_std", "forename1", "dob_std")),
        Rule(f"{swap_back} AND l.postcode_outward = r.postcode_outward", name_cols + ("postcode_outward",)),
        # full name alone: only while cheap (see Rule). Not surname at one address: that
        # block mostly scores relatives living together, the main false matches.
        equi("forename_canonical", "surname_std", max_pairs_per_record=2.0),
    ]


def deterministic_rules() -> list[Rule]:
    """Near-certain matches, used only to estimate the prior match rate."""
    return [equi("forename1", "surname_std", "dob_std"), equi("pnc_std")]


def training_blocking_rules() -> list[Rule]:
    """EM passes over blocks made mostly of true matches.

    A comparison is trained in every pass whose block does not use its
    columns: names where dob and district agree, dob where the PNC id agrees,
    postcode where full name and dob agree.
    """
    return [
        equi("pnc_std"),
        equi("dob_std", "postcode_outward"),
        equi("forename_canonical", "surname_std", "dob_std"),
    ]


def fallback_training_rules() -> list[Rule]:
    """Passes run only for comparisons the main passes left untrained (e.g. dob
    when a delivery has no PNC ids), in this order. Not used otherwise: a block
    on name and address also holds relatives, whose different dobs would teach
    EM that true matches often disagree on dob."""
    return [
        equi("phone_std"),
        equi("forename_canonical", "surname_std", "postcode_std"),
        equi("forename_canonical", "surname_std", "postcode_outward"),
    ]


# Dobs that are two people's (both full, more than a year apart), and forenames unlike by
# every forename level (not equal, not a variant, not a typo or Jaro-Winkler >= 0.9, no
# initial, not Soundex alike): plain SQL for the household counts below.
_DOBS_APART = "abs(date_diff('day', l.dob_std, r.dob_std)) > 366"
_FORENAMES_UNLIKE = (
    "l.forename1 <> r.forename1 AND l.forename_canonical <> r.forename_canonical"
    " AND l.forename_sdx <> r.forename_sdx AND NOT l.forename_is_initial AND NOT r.forename_is_initial"
    " AND damerau_levenshtein(l.forename1, r.forename1) > 1 AND jaro_winkler_similarity(l.forename1, r.forename1) < 0.9"
)
HOUSEHOLD_LEVEL = "exact, surname also agrees, forenames differ"


def _level(model: dict, comparison: str, label: str) -> dict | None:
    for c in model["comparisons"]:
        if c["output_column_name"] == comparison:
            for lv in c["comparison_levels"]:
                if lv.get("label_for_charts") == label:
                    return lv
    return None


def add_household_level(conn: duckdb.DuckDBPyConnection, model: dict, adapt: "Adaptation",
                        table: str = "person_std") -> None:
    """Score a shared postcode given a shared surname, instead of as independent evidence.

    Fellegi-Sunter multiplies the surname and postcode likelihood ratios, as if sharing a
    surname said nothing about sharing a postcode among two different people. Families
    live together, so among non-matches with one surname the same postcode is far more
    common than among random pairs (generated 20k: 0.047 against 0.00007: nine bits of
    evidence counted twice), and relatives at one address (one record without a dob,
    forenames only alike) were the main false matches. So the postcode comparison gets a
    first level, exact postcode with exact surname and forenames that are not the same
    or variants, with u = P(same postcode | same surname, non-match), estimated from the
    delivery without labels (counts only):

        u = (A - E_A) / ((B - E_B) * q)

    A: pairs with one surname and one postcode that are clearly two people (dobs over a
    year apart, forenames unlike by every forename level), bar the few true matches E_A
    the trained model expects there (prior x pairs x m of each level); B: pairs with one
    surname, a postcode and a dob on both (counted by group, never listed), less the true
    matches E_B expected; q: the share of non-matches that are clearly two people (u of
    the dob and forename 'else' levels). m is the exact postcode's m (among true matches
    a shared postcode does not depend on the surname). u is never below the exact
    postcode's own u (sharing a surname cannot make a shared address rarer), so on data
    without households (FEBRL) the level scores like the exact postcode it replaces.

    Pairs whose forenames are the same or variants keep the exact postcode level: the
    same estimate for them failed on FEBRL, where most same-name pairs with far-apart
    dobs at one postcode are true matches with a corrupted dob, and relatives rarely
    share a forename.
    """
    needed = {"surname", "postcode", "forename", "dob"}
    fields = {c["output_column_name"] for c in model["comparisons"]}
    if not needed <= fields:
        adapt.record("parameter", HOUSEHOLD_LEVEL, (), "left_out",
                     "needs surname, postcode, forename and dob: " + ", ".join(sorted(needed - fields)))
        return
    keys = (("postcode", "exact"), ("surname", "exact"), ("dob", "else"), ("forename", "else"))
    mu = []
    for key in keys:
        lv = _level(model, *key)
        mu.extend((lv.get("m_probability"), lv.get("u_probability")) if lv else (None, None))
    if not all(_estimated(v) and v > 0 for v in mu):
        adapt.record("parameter", HOUSEHOLD_LEVEL, (), "left_out", "a level it is estimated from has no m or u")
        return
    m_pc, u_pc, m_sn, _, m_dob_else, u_dob_else, m_fn_else, u_fn_else = mu
    present = ("surname_std IS NOT NULL AND postcode_std IS NOT NULL AND dob_std IS NOT NULL"
               " AND forename1 IS NOT NULL")
    filled = f"(SELECT * FROM {table} WHERE {present})"
    n, b = (float(v) for v in conn.sql(
        f"SELECT coalesce(sum(n), 0), coalesce(sum(n * (n - 1) // 2), 0)"
        f" FROM (SELECT count(*) AS n FROM {filled} AS t GROUP BY surname_std)").fetchall()[0])
    a = int(db.scalar(conn, f"""
        SELECT count(*) FROM {filled} AS l JOIN {filled} AS r
          ON l.surname_std = r.surname_std AND l.postcode_std = r.postcode_std AND l.person_ref < r.person_ref
        WHERE {_FORENAMES_UNLIKE} AND {_DOBS_APART}"""))
    matches = model["probability_two_random_records_match"] * n * (n - 1) / 2  # true pairs expected
    expected_a = matches * m_sn * m_pc * m_dob_else * m_fn_else
    non_matches = max(b - matches * m_sn, 0.0)
    q = u_dob_else * u_fn_else
    u = (a - expected_a) / (non_matches * q) if non_matches and q else 0.0
    u = min(max(u, u_pc), 1.0)
    for comparison in model["comparisons"]:
        if comparison["output_column_name"] == "postcode":
            levels = comparison["comparison_levels"]
            first = next(i for i, lv in enumerate(levels) if not lv.get("is_null_level"))
            levels.insert(first, {
                "sql_condition": '"postcode_std_l" = "postcode_std_r" AND "surname_std_l" = "surname_std_r"'
                                 ' AND "forename_canonical_l" <> "forename_canonical_r"',
                "label_for_charts": HOUSEHOLD_LEVEL, "m_probability": m_pc, "u_probability": u,
                "fix_m_probability": True, "fix_u_probability": True,
            })
    adapt.record("parameter", HOUSEHOLD_LEVEL, ("surname_std", "postcode_std", "forename_canonical"), "estimated",
                 f"u {u:.3g} (exact postcode alone {u_pc:.3g}) from {a} pairs of two people at one surname"
                 f" and postcode, {int(b)} pairs at one surname", pairs=a)


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
            if not isinstance(m, (int, float)) or m < floor:
                level["m_probability"] = floor
    return model


def neutralise_unseen(model: dict, u_resolution: float, floor: float) -> None:
    """A level seen neither among sampled random pairs (u from the prior) nor among
    training matches (m at the floor) says nothing either way: weight 0, not the
    log2(floor / u_resolution) (+13 bits) the two priors would give together."""
    for comparison in model["comparisons"]:
        for lv in comparison["comparison_levels"]:
            if lv.get("is_null_level") or lv.get("fix_m_probability") or lv.get("fix_u_probability"):
                continue
            if lv.get("u_probability") == u_resolution and lv.get("m_probability", 1.0) <= floor:
                lv["u_probability"] = lv["m_probability"]


def _estimated(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def apply_priors(model: dict, u_resolution: float) -> list[dict]:
    """Fill what EM or u sampling could not estimate from documented priors.

    A comparison none of whose trainable levels got an m from EM takes PRIOR_M.
    A level never seen among the sampled random pairs gets u = 1 / (pairs
    sampled): rarer than the sample can show. Returns what was filled (names only).
    """
    filled = []
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        trainable = [lv for lv in levels if not lv.get("fix_m_probability")]
        if trainable and not any(_estimated(lv.get("m_probability")) for lv in trainable):
            for lv, prior in zip(levels, PRIOR_M[name]):
                if not lv.get("fix_m_probability"):
                    lv["m_probability"] = prior
            filled.append({"kind": "parameter", "name": f"{name}: m", "status": "prior",
                           "detail": "no EM pass could estimate it; documented prior PRIOR_M"})
        unseen = [lv["label_for_charts"] for lv in levels
                  if not lv.get("fix_u_probability") and not _estimated(lv.get("u_probability"))]
        for lv in levels:
            if not lv.get("fix_u_probability") and not _estimated(lv.get("u_probability")):
                lv["u_probability"] = u_resolution
        if unseen:
            filled.append({"kind": "parameter", "name": f"{name}: u", "status": "prior",
                           "detail": "levels not seen among sampled random pairs: " + "; ".join(unseen)})
    return filled


class LinkageError(RuntimeError):
    """A linkage step failed. The message names the step, rule and columns (never a
    delivered value), in plain words without quotes, so masking leaves it readable."""


@dataclass(frozen=True)
class LinkageResult:
    pairs: pa.Table  # person_ref_l, person_ref_r, match_weight, match_probability
    n_records: int
    n_pairs_scored: int
    model_json: str
    seconds: dict[str, float]
    # What the delivery carried and what the model did without (kind, name, columns,
    # status, fill_share, pairs, detail): never a delivered value.
    adaptation: list[dict] = field(default_factory=list)
    prior: float | None = None  # Splink's estimate for this delivery
    reference_prior: float | None = None  # the prior the probabilities are stated at


def reference_size_prior(prior: float, n_records: int, reference_records: int) -> float:
    """The prior probabilities are stated at: Splink's own (``reference_records`` 0, the
    default), or, for a force that chooses recall over precision at scale, the prior of a
    delivery of ``reference_records`` records (lambda * (N - 1) / (reference_records - 1))
    above that size."""
    if reference_records <= 0:
        return prior
    return min(prior * max(1.0, (n_records - 1) / max(reference_records - 1, 1)), 0.5)


def logit2(p: float) -> float:
    return math.log2(p / (1.0 - p))


def profile_columns(conn: duckdb.DuckDBPyConnection, table: str = "person_std") -> dict[str, int]:
    """Number of records carrying each linkage column (counts only)."""
    columns = [c for c in MODEL_COLUMNS if c != "person_ref"]
    row = conn.sql(f"SELECT {', '.join(f'count({c})' for c in columns)} FROM {table}").fetchall()[0]
    return dict(zip(columns, (int(v) for v in row)))


def block_pairs(conn: duckdb.DuckDBPyConnection, rule: Rule, table: str = "person_std") -> int | None:
    """Record pairs an equi-join rule generates (None for other rules)."""
    if not rule.equi_keys:
        return None
    keys = ", ".join(rule.equi_keys)
    present = " AND ".join(f"{c} IS NOT NULL" for c in rule.equi_keys)
    return int(db.scalar(
        conn,
        f"SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM (SELECT count(*) AS n FROM {table}"
        f" WHERE {present} GROUP BY {keys})",
    ))


@dataclass
class Adaptation:
    """Which columns a delivery carries well enough to use (see ResolveSettings.min_column_fill)."""

    n_records: int
    filled: dict[str, int]
    min_fill: float
    min_records: int
    rows: list[dict] = field(default_factory=list)

    def usable(self, column: str) -> bool:
        n = self.filled.get(column, 0)
        return n >= self.min_records and n >= self.min_fill * max(self.n_records, 1)

    def share(self, column: str) -> float:
        return round(self.filled.get(column, 0) / self.n_records, 6) if self.n_records else 0.0

    def record(self, kind: str, name: str, columns: tuple[str, ...], status: str, detail: str = "",
               pairs: int | None = None) -> None:
        self.rows.append({
            "kind": kind, "name": name, "columns": ", ".join(columns), "status": status,
            "fill_share": min((self.share(c) for c in columns), default=None), "pairs": pairs, "detail": detail,
        })

    def keep_rules(self, kind: str, rules: list[Rule]) -> list[Rule]:
        kept = []
        for rule in rules:
            empty = [c for c in rule.columns if not self.usable(c)]
            if empty:
                self.record(kind, rule.sql, rule.columns, "left_out", "nearly empty: " + ", ".join(empty))
            else:
                kept.append(rule)
        return kept


def _step(name: str, rule: Rule | None = None):
    """Context for a Splink call: any failure becomes a LinkageError naming the step and rule."""
    import contextlib

    @contextlib.contextmanager
    def guard():
        try:
            yield
        except LinkageError:
            raise
        except Exception as exc:  # Splink, DuckDB: their texts may quote delivered values
            where = f" on rule {rule.sql} (columns {', '.join(rule.columns)})" if rule else ""
            raise LinkageError(f"linkage step {name} failed{where}: {type(exc).__name__}") from None

    return guard()


def link(records: pa.Table, cfg: ResolveSettings) -> LinkageResult:
    """Score candidate pairs of ``records`` (columns MODEL_COLUMNS, sorted by person_ref)."""
    from splink import DuckDBAPI, Linker, SettingsCreator
    from splink.internals.exceptions import EMTrainingException

    logging.getLogger("splink").setLevel(logging.ERROR)  # its "level not observed" notes are noise here
    splink_conn = duckdb.connect(":memory:", config=dict(db.CONNECTION_CONFIG))
    try:
        splink_conn.execute("SET enable_progress_bar = false")
        splink_conn.execute("SET preserve_insertion_order = true")
        splink_conn.execute("SET threads TO 1")  # training: one thread, one row order, same bits
        with db.registered(splink_conn, person_std_arrow=records):
            splink_conn.execute("CREATE TABLE person_std AS SELECT * FROM person_std_arrow ORDER BY person_ref")
        n_records = records.num_rows
        adapt = Adaptation(n_records, profile_columns(splink_conn), cfg.min_column_fill, cfg.min_column_records)
        if n_records < 2:
            adapt.record("model", "linkage", (), "skipped", f"{n_records} person records: nothing to link")
            return LinkageResult(_empty_pairs(), n_records, 0, "", {}, adapt.rows)

        # 1. What the delivery carries: fields, blocking rules and training rules over
        #    nearly empty columns are left out.
        fields = []
        for name, columns in FIELD_COLUMNS.items():
            if all(adapt.usable(c) for c in columns):
                fields.append(name)
                adapt.record("comparison", name, columns, "used")
            else:
                adapt.record("comparison", name, columns, "left_out", "nearly empty")
        blocking = []
        for rule in adapt.keep_rules("blocking_rule", prediction_blocking_rules()):
            pairs = block_pairs(splink_conn, rule)
            if rule.max_pairs_per_record is not None and pairs > rule.max_pairs_per_record * n_records:
                adapt.record("blocking_rule", rule.sql, rule.columns, "left_out",
                             f"too many pairs: over {rule.max_pairs_per_record:g} per record", pairs=pairs)
                continue
            blocking.append(rule)
            adapt.record("blocking_rule", rule.sql, rule.columns, "used", pairs=pairs)
        if not fields or not blocking:
            adapt.record("model", "linkage", (), "skipped", "no usable comparison or blocking rule")
            return LinkageResult(_empty_pairs(), n_records, 0, "", {}, adapt.rows)

        api = DuckDBAPI(connection=splink_conn)
        with _step("settings"):
            model = SettingsCreator(
                link_type="dedupe_only",
                unique_id_column_name="person_ref",
                comparisons=comparisons(tuple(fields)),
                blocking_rules_to_generate_predictions=[r.sql for r in blocking],
                retain_matching_columns=False,
                retain_intermediate_calculation_columns=False,
                max_iterations=25,
                em_convergence=0.0001,
                linker_uid="csenet_er",
            )
            linker = Linker(api.register("person_std"), model, log_level=None)
        seconds: dict[str, float] = {}
        clock = time.perf_counter()

        def lap(name: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            seconds[name] = round(now - clock, 2)
            clock = now

        # 2. Prior: from near-certain rules, or a documented fallback when none applies.
        deterministic = adapt.keep_rules("deterministic_rule", deterministic_rules())
        prior = None
        if deterministic and any(block_pairs(splink_conn, r) for r in deterministic):
            with _step("prior", deterministic[0]):
                linker.training.estimate_probability_two_random_records_match(
                    [r.sql for r in deterministic], recall=cfg.deterministic_rule_recall
                )
            prior = linker._settings_obj._probability_two_random_records_match
            for rule in deterministic:
                adapt.record("deterministic_rule", rule.sql, rule.columns, "used", pairs=block_pairs(splink_conn, rule))
        prior_from_fallback = prior is None or not 0 < prior < 1
        if prior_from_fallback:
            prior = min(0.5, 2 * cfg.fallback_duplicate_pairs_per_record / (n_records - 1))
            linker._settings_obj._probability_two_random_records_match = prior
            adapt.record("parameter", "probability_two_random_records_match", (), "prior",
                         "no near-certain rule found pairs; fallback_duplicate_pairs_per_record")
        lap("prior")
        with _step("u_sampling"):
            linker.training.estimate_u_using_random_sampling(max_pairs=cfg.u_sample_pairs, seed=cfg.random_seed)
        lap("u_sampling")

        # 3. m by EM over the usable training blocks; fallback passes only for
        #    comparisons the main passes could not train.
        def train(rule: Rule, kind: str) -> bool:
            pairs = block_pairs(splink_conn, rule)
            if pairs is not None and pairs < cfg.em_min_pairs:
                adapt.record(kind, rule.sql, rule.columns, "left_out", f"block has {pairs} pairs", pairs=pairs)
                return False
            with _step("em", rule):
                try:
                    linker.training.estimate_parameters_using_expectation_maximisation(
                        rule.sql, max_pairs=cfg.em_max_pairs
                    )
                except EMTrainingException:  # never escapes: the pass is left out
                    adapt.record(kind, rule.sql, rule.columns, "left_out", "EM found no pairs", pairs=pairs)
                    return False
            adapt.record(kind, rule.sql, rule.columns, "used", pairs=pairs)
            return True

        for rule in adapt.keep_rules("training_rule", training_blocking_rules()):
            train(rule, "training_rule")
        for rule in adapt.keep_rules("training_rule", fallback_training_rules()):
            untrained = _untrained(linker.misc.save_model_to_json())
            if not untrained:
                break
            if any(f in untrained for f in _fields_trained_by(rule, fields)):
                train(rule, "training_rule")
        lap("em")

        model_dict = linker.misc.save_model_to_json()
        if deterministic and cfg.estimate_deterministic_rule_recall and not prior_from_fallback:
            recall = deterministic_recall(model_dict, deterministic, adapt)
            if recall is not None:
                model_dict["probability_two_random_records_match"] = min(
                    0.5, model_dict["probability_two_random_records_match"] * cfg.deterministic_rule_recall / recall)
                adapt.record("parameter", "deterministic_rule_recall", (), "estimated",
                             f"{recall:.3f} from the trained m probabilities and column fill"
                             f" (assumed {cfg.deterministic_rule_recall:g} before EM)")
        prior = model_dict["probability_two_random_records_match"]
        u_resolution = 1.0 / max(1.0, min(cfg.u_sample_pairs, n_records * (n_records - 1) / 2))
        adapt.rows.extend(apply_priors(model_dict, u_resolution))
        model_dict = floor_m_probabilities(model_dict, cfg.m_probability_floor)
        neutralise_unseen(model_dict, u_resolution, cfg.m_probability_floor)
        if cfg.household_level:
            add_household_level(splink_conn, model_dict, adapt)

        # 4. Score. Probabilities are Splink's own by default: the prior falls as 1/N
        #    because a bigger delivery really holds more namesakes (reference_records).
        reference_prior = reference_size_prior(prior, n_records, cfg.reference_records)
        shift = logit2(reference_prior) - logit2(prior)
        splink_conn.execute(f"SET threads TO {_cores()}")  # scoring is row-wise
        with _step("predict"):
            # Scoring keeps Splink's per-comparison match weights (mw_*, mw_tf_adj_*; gamma_*
            # and bf_* where the Splink version writes them) so the review queue can say which
            # comparisons drove a pair.
            scoring_model = {**model_dict, "retain_intermediate_calculation_columns": True}
            linker = Linker(api.register("person_std", table_name="person_std_scoring"), scoring_model, log_level=None)
            scored = linker.inference.predict(
                threshold_match_weight=logit2(cfg.keep_pairs_above) - shift, warning_mode="never"
            )
        lap("predict")
        n_scored = db.scalar(splink_conn, "SELECT count(*) FROM " + scored.physical_name)
        explain_columns = [c for c in splink_conn.sql(f"SELECT * FROM {scored.physical_name} LIMIT 0").columns
                           if c.startswith(("gamma_", "bf_", "mw_"))]
        explain_sql = "".join(f', "{c}"' for c in explain_columns)
        pairs = splink_conn.sql(
            f"""SELECT person_ref_l, person_ref_r,
                       round(match_weight + {shift!r}, 6) AS match_weight,
                       round(1.0 / (1.0 + pow(2.0, -(match_weight + {shift!r}))), 9) AS match_probability{explain_sql}
                FROM {scored.physical_name}
                ORDER BY person_ref_l, person_ref_r"""
        ).to_arrow_table()
        model_dict["csenet_reference_prior"] = reference_prior
        model_json = json.dumps(model_dict, sort_keys=True)
        return LinkageResult(pairs, n_records, int(n_scored), model_json, seconds, adapt.rows, prior, reference_prior)
    finally:
        splink_conn.close()


# The comparison level each deterministic rule's columns agree at.
_EXACT_LEVEL = {"forename1": ("forename", "exact"), "surname_std": ("surname", "exact"),
                "dob_std": ("dob", "exact"), "pnc_std": ("pnc", "same valid PNC id")}


def deterministic_recall(model: dict, rules: list[Rule], adapt: Adaptation) -> float | None:
    """Share of true matches the near-certain rules find, from the trained model rather
    than assumed: a rule finds a true pair when both records carry its columns (fill
    squared) and agree exactly on each (m of the exact level), fields independent; the
    rules together find 1 - prod(1 - rule's share). Noisy data (FEBRL) has far fewer
    true pairs agreeing exactly than clean data, so its prior is set higher."""
    m_of = {(c["output_column_name"], lv.get("label_for_charts")): lv.get("m_probability")
            for c in model["comparisons"] for lv in c["comparison_levels"]}
    missed = 1.0
    for rule in rules:
        share = 1.0
        for column in rule.columns:
            m = m_of.get(_EXACT_LEVEL.get(column, ("", "")))
            if not _estimated(m):
                return None
            share *= m * adapt.share(column) ** 2
        missed *= 1.0 - share
    recall = 1.0 - missed
    return min(max(recall, 0.05), 1.0)


def _untrained(model: dict) -> set[str]:
    """Comparisons none of whose trainable levels has an m estimate yet."""
    out = set()
    for comparison in model["comparisons"]:
        trainable = [lv for lv in comparison["comparison_levels"]
                     if not lv.get("is_null_level") and not lv.get("fix_m_probability")]
        if trainable and not any(_estimated(lv.get("m_probability")) for lv in trainable):
            out.add(comparison["output_column_name"])
    return out


# Columns each comparison reads (a training pass cannot estimate a comparison whose
# columns its block uses).
COMPARISON_READS: dict[str, tuple[str, ...]] = {
    "surname": ("surname_std", "surname_first", "surname_last", "surname_sdx", "surname_is_title", "forename1"),
    "forename": ("forename1", "forename2", "forename_canonical", "forename_initial", "forename_is_initial",
                 "forename_sdx", "forename_is_prefix", "surname_std", "surname_first"),
    "dob": ("dob_std", "dob_placeholder_year"),
    "postcode": ("postcode_std", "address_key", "postcode_sector", "postcode_outward"),
    "phone": ("phone_std",),
    "pnc": ("pnc_std",),
    "sex": ("sex_std",),
}


def _fields_trained_by(rule: Rule, fields: list[str]) -> list[str]:
    return [f for f in fields if not set(COMPARISON_READS[f]) & set(rule.columns)]


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
