"""Names by group in the synthetic world: frequencies, who carries which name, and the
variation each group's names carry in police records (issue 11 item 3)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from csenet_dagster.generator.reference import load

DELIVERY = "2026-11-29T0600"
PERSON_FILES = ("crime_person.csv", "custody.csv", "intel_person.csv", "missing_person.csv", "vehicle.csv",
                "ocg_member.csv")
NAME_GROUPS = {"WHITE_BRITISH", "SOUTH_ASIAN", "BLACK_AFRICAN_CARIBBEAN", "EASTERN_EUROPEAN", "EAST_ASIAN",
               "MIDDLE_EASTERN"}
NAME_NOISE = {"forename_typo", "surname_typo", "initial", "nickname", "swapped", "family_name_first",
              "forename_variant", "surname_variant", "title_surname", "household_surname", "sikh_surname",
              "gendered_surname", "surname_part", "prefix_dropped", "diacritics_dropped", "middle_name"}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _shares(weighted) -> list[float]:
    cum = weighted.cum_weights
    return [(b - a) / cum[-1] for a, b in zip((0.0, *cum[:-1]), cum)]


@pytest.mark.parametrize("sex", ["M", "F"])
def test_white_british_forenames_are_as_concentrated_as_a_birth_cohort_not_more(sex):
    """Namesakes (same full name and dob) depend on how concentrated forenames are. In a
    birth cohort of England and Wales the top forename is 2-3% of births and two babies of
    one sex share a forename with chance about 0.008 (1996) to 0.02 (1960s) (ONS baby names).
    The generator's list must not concentrate names more than that (it gave James 11.5%)."""
    shares = _shares(load().forenames[("WHITE_BRITISH", sex)])
    assert 0.02 <= max(shares) <= 0.04
    assert 0.006 <= sum(s * s for s in shares) <= 0.02


@pytest.fixture(scope="module")
def world(generated):
    base = generated(5000, 11)
    people = {r["person_id"]: r for r in _rows(base / "truth" / "person.csv")}
    ref_person = {r["person_ref"]: r["person_id"] for r in _rows(base / "truth" / "person_ref.csv")}
    noise = {r["person_ref"]: set(filter(None, r["noise"].split(";"))) for r in _rows(base / "truth" / "noise.csv")}
    records = {}
    for name in PERSON_FILES:
        for row in _rows(base / "landing" / DELIVERY / name):
            records[row["person_ref"]] = row
    return people, ref_person, noise, records


def _share(weighted, name: str) -> float:
    weights = [weighted.cum_weights[0]] + [b - a for a, b in zip(weighted.cum_weights, weighted.cum_weights[1:])]
    return weights[weighted.items.index(name)] / weighted.cum_weights[-1]


def test_name_frequencies_follow_published_shares_and_a_long_tail():
    ref = load()
    assert _share(ref.surnames["WHITE_BRITISH"], "Smith") == pytest.approx(0.013)
    assert _share(ref.surnames["PAKISTANI"], "Khan") == pytest.approx(0.09)
    assert _share(ref.surnames["BANGLADESHI"], "Begum") == pytest.approx(0.20)
    assert _share(ref.surnames["VIETNAMESE"], "Nguyen") == pytest.approx(0.38)
    assert _share(ref.surnames["POLISH"], "Nowak") == pytest.approx(0.0054)
    for group in ("INDIAN", "BLACK_AFRICAN", "POLISH", "ROMANIAN", "LITHUANIAN", "CZECH_SLOVAK", "CHINESE"):
        assert ref.surnames[group].cum_weights[-1] == pytest.approx(1.0), group
    # the 100 commonest White British surnames hold about a fifth of the group, as in England
    wb = ref.surnames["WHITE_BRITISH"]
    weights = sorted((b - a for a, b in zip((0.0, *wb.cum_weights), wb.cum_weights)), reverse=True)
    assert 0.17 <= sum(weights[:100]) <= 0.25
    assert len(wb.items) > 5000
    # frequencies fall with rank after the shared head (no unshared name above Wood's 0.23%)
    assert max(weights[25:]) <= 0.0023 + 1e-9


def test_every_group_is_in_the_truth_at_its_weight(world):
    people, *_ = world
    groups = Counter(p["name_group"] for p in people.values())
    assert set(groups) == NAME_GROUPS
    n = sum(groups.values())
    assert 0.55 <= groups["WHITE_BRITISH"] / n <= 0.66
    assert 0.17 <= groups["SOUTH_ASIAN"] / n <= 0.25
    assert 0.01 <= groups["EAST_ASIAN"] / n <= 0.035
    origins = Counter(p["name_origin"] for p in people.values())
    assert {"PAKISTANI", "INDIAN", "BANGLADESHI", "CHINESE", "VIETNAMESE", "IRISH", "POLISH", "ROMANIAN"} <= set(origins)


def test_each_group_carries_its_own_record_variation(world):
    people, ref_person, noise, records = world
    tags = Counter(tag for applied in noise.values() for tag in applied)
    for tag in ("prefix_dropped", "title_surname", "sikh_surname", "gendered_surname", "surname_part",
                "diacritics_dropped", "family_name_first", "forename_variant", "surname_variant"):
        assert tags[tag] >= 5, tag
    group_of = {ref: people[pid]["name_origin"] for ref, pid in ref_person.items()}
    for ref, applied in noise.items():
        row = records[ref]
        keyed = not applied & {"surname_typo", "forename_typo", "surname_variant", "swapped", "family_name_first"}
        if "family_name_first" in applied:
            assert group_of[ref] in ("CHINESE", "VIETNAMESE"), ref
        if "title_surname" in applied and keyed:
            assert group_of[ref] in ("PAKISTANI", "BANGLADESHI") and row["sex"] != "M", ref
            assert row["surname"].lower() in ("begum", "khatun", "bibi"), ref
        if "sikh_surname" in applied and keyed:
            assert row["surname"].lower() in ("singh", "kaur"), ref
        if "diacritics_dropped" in applied:
            assert (row["surname"] + row["forenames"]).isascii(), ref
        if "prefix_dropped" in applied and not applied & {"initial", "nickname", "forename_variant"}:
            assert row["forenames"].split()[0].lower() not in ("mohammed", "muhammad", "md"), ref


def test_gendered_surnames_are_carried_by_the_right_sex(world):
    _, _, noise, records = world
    clean = [r for ref, r in records.items() if ref in noise and not noise[ref] & NAME_NOISE]
    women_only = {"begum", "khatun", "bibi", "kaur"}
    men_only = {"singh", "miah", "uddin"}
    assert not [r for r in clean if r["sex"] == "M" and r["surname"].lower() in women_only]
    assert not [r for r in clean if r["sex"] == "F" and r["surname"].lower() in men_only]
    # Polish women carry the feminine form (Kowalska), men the masculine (Kowalski)
    polish = [r for r in clean if r["surname"].lower().endswith(("ska", "ski"))]
    assert polish
    assert all(r["surname"].lower().endswith("ska") == (r["sex"] == "F") for r in polish if r["sex"] in ("M", "F"))


def test_a_family_at_one_address_never_shares_a_forename(world):
    """Brothers, partners and children of one family have different forenames (no two Mindaugas
    Jankevicius at one address), so records of different people never look like one person's."""
    _, ref_person, noise, records = world
    people_of: dict[tuple, set] = {}
    for ref, row in records.items():
        if ref not in noise or noise[ref] & (NAME_NOISE | {"stale_address", "address_missing"}) or not row["address"]:
            continue
        address = " ".join(row["address"].upper().replace(",", " ").split())
        if "HOSTEL" in address or "CHILDREN" in address:
            continue  # unrelated people live there
        key = (row["surname"].upper(), row["forenames"].upper(), address)
        people_of.setdefault(key, set()).add(ref_person[ref])
    assert len(people_of) > 1000
    shared = [key for key, people in people_of.items() if len(people) > 1]
    assert len(shared) == 0, f"{len(shared)} name-and-address keys shared by different people"  # counts only
