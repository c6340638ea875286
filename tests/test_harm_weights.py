"""The weights loader: bundled csenet layout and a force's CCHI CSV export."""

from __future__ import annotations

import csv

import pytest

from csenet_dagster import reference_files


def test_bundled_file_covers_reference_codes_and_cites_sources():
    loaded = {w.offence_code: w for w in reference_files.load_weights(reference_files.BUNDLED_WEIGHTS)}
    assert set(reference_files.load_offence_codes()) <= set(loaded)
    for code in ("19E", "22B", "88A", "71", "72", "106", "86", "36", "13", "24"):
        assert code in loaded, code
    for w in loaded.values():
        assert w.harm_days >= 0 and w.guideline and w.guideline_category, w.offence_code
    # gravity ordering the method implies: child rape > adult rape > grooming > shoplifting
    assert loaded["19E"].harm_days > loaded["19C"].harm_days > loaded["88A"].harm_days > loaded["46"].harm_days


def test_cchi_export_layout_is_read(tmp_path):
    file = tmp_path / "cchi.csv"
    file.write_text(
        "Cambridge Crime Harm Index,,\n"
        "Harm values in days,,\n"
        "HO Code,Offence Description,Harm Index Value (days)\n"
        "019E,Rape of a female child under 13,\"2,920\"\n"
        "8N,Assault occasioning ABH,10\n"
        "8N,Wounding,365\n"
        "\n"
        "46,Shoplifting,1\n",
        encoding="utf-8",
    )
    loaded = {w.offence_code: w for w in reference_files.load_weights(file)}
    assert set(loaded) == {"19E", "8N", "46"}
    assert loaded["19E"].harm_days == 2920
    assert loaded["8N"].harm_days == 10 and "2 sub-offences" in loaded["8N"].note
    assert loaded["46"].basis == "CCHI_OFFICIAL"


@pytest.mark.parametrize(
    "body, rule",
    [
        ("HO Code,Offence,CCHI\n19E,x,abc\n", "numeric_harm_days"),
        ("HO Code,Offence,CCHI\n19E,x,-3\n", "harm_days_non_negative"),
        ("HO Code,Offence,CCHI\n19E,x,\n", "missing_value"),
        ("Code only\n19E\n", "cchi_layout"),
        ("HO Code,Offence,CCHI\n", "empty_file"),
    ],
)
def test_cchi_export_errors_name_file_row_and_rule(tmp_path, body, rule):
    file = tmp_path / "force_cchi.csv"
    file.write_text(body, encoding="utf-8")
    with pytest.raises(reference_files.WeightsFileError) as err:
        reference_files.load_weights(file)
    assert "force_cchi.csv" in str(err.value) and rule in str(err.value)


def test_csenet_layout_rejects_duplicate_codes(tmp_path):
    file = tmp_path / "w.csv"
    with file.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(reference_files.CSENET_COLUMNS)
        writer.writerow(["19E", "a", "2920", "CUSTODY", "g", "c", ""])
        writer.writerow(["019e", "a", "2920", "CUSTODY", "g", "c", ""])
    with pytest.raises(reference_files.WeightsFileError, match=r"row 2: offence code 19E repeated \(rule: duplicate_code\)"):
        reference_files.load_weights(file)


def test_classification_marks_cse_offences_and_implied_child_victims():
    codes = {c.offence_code: c for c in reference_files.load_offence_code_reference()}
    assert len(codes) >= 150
    for code in ("19E", "22B", "88A", "86", "71", "19H", "21", "17B", "20B", "73"):
        assert codes[code].child_victim_implied, code
    for code in ("19C", "8L", "10A", "58A", "46", "72", "106"):
        assert not codes[code].child_victim_implied, code
    assert codes["8L"].offence_group == "Violence against the person"
    assert codes["58A"].offence_group == "Criminal damage and arson" and codes["58A"].offence_class == "58"
    assert codes["4.1"].offence_class == "4" and codes["37.2"].offence_class == "37"
    assert {c for c, v in codes.items() if v.is_cse_offence} >= {"19E", "22B", "88A", "71", "86", "72", "106", "13", "36"}


def test_bundled_weights_cover_the_classification_and_say_whose_reading_they_are():
    loaded = {w.offence_code: w for w in reference_files.load_weights(reference_files.BUNDLED_WEIGHTS)}
    assert set(loaded) == {c.offence_code for c in reference_files.load_offence_code_reference()}
    assert {w.weight_origin for w in loaded.values()} == {reference_files.ORIGIN_CSENET}
    assert all(w.source for w in loaded.values())
    assert all(w.css_weight is None for w in loaded.values())  # csenet does not guess official CSS values
    assert loaded["1"].harm_days > loaded["19E"].harm_days > loaded["10A"].harm_days > loaded["8L"].harm_days


def test_bundled_codes_are_canonical_and_sub_classes_weighted_as_their_ons_code():
    with reference_files.OFFENCE_CODES.open(encoding="utf-8", newline="") as handle:
        raw = [r["offence_code"] for r in csv.DictReader(handle)]
    assert len(raw) == 333 and all(reference_files.normalise_code(c) == c for c in raw)  # as every stage compares them
    codes = {c.offence_code: c for c in reference_files.load_offence_code_reference()}
    loaded = {w.offence_code: w for w in reference_files.load_weights(reference_files.BUNDLED_WEIGHTS)}
    sub_classes = [c for c in codes if "/" in c]
    assert len(sub_classes) == 169
    for code in sub_classes:
        ons_code = loaded[code].guideline.removeprefix("as ").split(":")[0]
        assert ons_code in codes and codes[ons_code].offence_class == codes[code].offence_class, code
        assert loaded[code].harm_days == loaded[ons_code].harm_days, code
    # the newer offences the ONS letter codes of which could not be verified are there as sub-classes
    assert codes["71/17"].is_cse_offence and codes["71/17"].child_victim_implied  # sexual communication with a child
    assert not codes["8/67"].is_cse_offence and codes["8/67"].offence_class == "8"  # controlling or coercive behaviour
    assert not codes["88/12"].is_cse_offence and not codes["19/08"].child_victim_implied
    assert all(codes[f"22/{n:02d}"].is_cse_offence for n in range(6, 26))
    assert not any(codes[f"22/{n:02d}"].is_cse_offence for n in range(2, 6))  # without consent: adult victims


@pytest.mark.parametrize(
    "code, expected",
    [("10A", "10"), ("4.1", "4"), ("37.2", "37"), ("999Z", "999"), ("105A", "105"), ("8/67", "8"), ("71/17", "71"),
     ("8/", None), ("8/1234", None),
     ("DROP", None), ("1234", None), ("10ABC", None), ("", None), ("8 L", None)],
)
def test_offence_class_only_for_code_shaped_values(code, expected):
    assert reference_files.offence_class(code) == expected


def test_ons_css_table_is_read(tmp_path):
    file = tmp_path / "ons_css.csv"
    file.write_text(
        "Crime Severity Score: offence weights,,\n"
        "Offence code,Offence,Weight\n"
        "019E,Rape of a female child under 13,\"6,123.4\"\n"
        "46,Shoplifting,14\n",
        encoding="utf-8",
    )
    assert reference_files.load_css_weights(file) == {"19E": 6123.4, "46": 14.0}


@pytest.mark.parametrize(
    "body, rule",
    [
        ("Offence code,Weight\n46,abc\n", "numeric_css_weight"),
        ("Offence code,Weight\n46,1\n046,2\n", "one_weight_per_code"),
        ("Offence code,Total\n46,1\n", "css_layout"),
        ("Offence code,Weight\n,1\n", "missing_key"),
    ],
)
def test_ons_css_table_errors_name_file_and_rule(tmp_path, body, rule):
    file = tmp_path / "ons_css.csv"
    file.write_text(body, encoding="utf-8")
    with pytest.raises(reference_files.WeightsFileError) as err:
        reference_files.load_css_weights(file)
    assert "ons_css.csv" in str(err.value) and rule in str(err.value)


def test_csenet_layout_optional_columns_are_validated(tmp_path):
    file = tmp_path / "w.csv"
    columns = (*reference_files.CSENET_COLUMNS, "css_weight", "weight_origin", "source")
    with file.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerow(["19E", "a", "2920", "CUSTODY", "g", "c", "", "5000", "official", "CCHI 2020"])
    (w,) = reference_files.load_weights(file)
    assert (w.css_weight, w.weight_origin, w.source) == (5000.0, "OFFICIAL", "CCHI 2020")
    with file.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerow(["19E", "a", "2920", "CUSTODY", "g", "c", "", "", "GUESSED", ""])
    with pytest.raises(reference_files.WeightsFileError, match=r"row 1: weight_origin .*known_weight_origin"):
        reference_files.load_weights(file)


def test_classification_file_errors_name_file_row_and_rule(tmp_path):
    good = reference_files.OFFENCE_CODES.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "offence_codes.csv"
    bad.write_text("\n".join([good[0], good[1].replace(",N,", ",maybe,", 1)]) + "\n", encoding="utf-8")
    with pytest.raises(reference_files.WeightsFileError, match=r"offence_codes.csv row 1: .*rule: yes_no"):
        reference_files.load_offence_code_reference(bad)
