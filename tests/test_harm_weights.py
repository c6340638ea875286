"""The weights loader: bundled csenet layout and a force's CCHI CSV export."""

from __future__ import annotations

import csv

import pytest

from csenet_dagster.harm import weights


def test_bundled_file_covers_reference_codes_and_cites_sources():
    loaded = {w.offence_code: w for w in weights.load_weights(weights.BUNDLED_WEIGHTS)}
    assert set(weights.load_offence_codes()) <= set(loaded)
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
    loaded = {w.offence_code: w for w in weights.load_weights(file)}
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
    with pytest.raises(weights.WeightsFileError) as err:
        weights.load_weights(file)
    assert "force_cchi.csv" in str(err.value) and rule in str(err.value)


def test_csenet_layout_rejects_duplicate_codes(tmp_path):
    file = tmp_path / "w.csv"
    with file.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(weights.CSENET_COLUMNS)
        writer.writerow(["19E", "a", "2920", "CUSTODY", "g", "c", ""])
        writer.writerow(["019e", "a", "2920", "CUSTODY", "g", "c", ""])
    with pytest.raises(weights.WeightsFileError, match=r"row 2: offence code 19E repeated \(rule: duplicate_code\)"):
        weights.load_weights(file)
