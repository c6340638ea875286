"""Crime and nominal harm on the hand-made world (known truth in test_harm_world)."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

import test_harm_world as world
from csenet_dagster import db, reference_files
from csenet_dagster.harm import config, scoring


@pytest.fixture
def scored(empty_workspace, tmp_path):
    conn = world.build(tmp_path / "w.duckdb")
    cfg = config.load()
    scoring.build_offence_weight(conn, cfg)
    scoring.build_crime_harm(conn, cfg)
    scoring.build_nominal_harm(conn, cfg)
    yield conn, cfg
    conn.close()


def crime(conn, ref):
    return conn.sql(f"SELECT * FROM harm.crime_harm WHERE crime_ref = '{ref}'").df().iloc[0]


def test_bundled_weights_cover_every_reference_code(scored):
    conn, _ = scored
    codes = set(world.__dict__["WEIGHT"]) | set(reference_files.load_offence_codes())
    weighted = {r[0] for r in conn.sql("SELECT offence_code FROM harm.offence_weight").fetchall()}
    assert codes <= weighted, sorted(codes - weighted)
    assert db.scalar(conn, "SELECT min(harm_days) FROM harm.offence_weight") >= 0


def test_crime_harm_counts_each_victim_once_and_decays_from_extracted_at(scored):
    conn, _ = scored
    c1 = crime(conn, "C1")
    # V1 appears on two person records: still one victim; V2 is the second.
    assert c1["n_victims"] == 2
    assert c1["n_offenders"] == 2
    assert c1["harm_days"] == pytest.approx(2920 * 2)
    assert float(c1["recent_harm"]) == pytest.approx(2920 * 2 * world.decay(world.D(2026, 5, 1)), abs=1e-5)
    assert bool(c1["in_active_window"])
    c2 = crime(conn, "C2")  # shoplifting, no victim: counted once, long decayed
    assert c2["harm_days"] == pytest.approx(2.5)
    assert not bool(c2["in_active_window"])


def test_nominal_harm_is_recency_weighted_sum_of_answerable_crimes(scored):
    conn, _ = scored
    harm = dict(conn.sql("SELECT nominal_id, harm_score FROM harm.nominal_harm").fetchall())
    expect_o2 = 2920 * 2 * world.decay(world.D(2026, 5, 1)) + 365 * world.decay(world.D(2026, 9, 1))
    assert harm[world.nid("O2")] == pytest.approx(expect_o2, abs=1e-4)
    # O1 is only a witness on C2: the shoplifting does not count for them.
    assert harm[world.nid("O1")] == pytest.approx(2920 * 2 * world.decay(world.D(2026, 5, 1)), abs=1e-4)
    # Victims and people on no crime have zero harm, but are present.
    assert harm[world.nid("V1")] == 0
    assert harm[world.nid("X1")] == 0
    assert len(harm) == len(world.NOM)
    row = conn.sql(f"SELECT * FROM harm.nominal_harm WHERE nominal_id = '{world.nid('O2')}'").df().iloc[0]
    assert (row["n_crimes"], row["n_victims"], row["max_offence_harm_days"]) == (2, 2, 2920)
    assert row["days_since_last_offence"] == (world.EXTRACTED_AT.date() - world.D(2026, 9, 1)).days


def test_recency_half_life_setting_changes_decay(scored):
    conn, cfg = scored
    slow = dataclasses.replace(cfg, recency_half_life_days=730.0)
    scoring.build_crime_harm(conn, slow)
    c6 = crime(conn, "C6")
    assert float(c6["recent_harm"]) == pytest.approx(2920 * 2 * world.decay(world.D(2019, 3, 1), 730.0), abs=1e-5)


def add_crimes(conn, *rows):
    for ref, code, title in rows:
        conn.execute(
            "INSERT INTO raw.crime VALUES (?, DATE '2026-01-01', NULL, ?, ?, FALSE, NULL, NULL, 90)", [ref, code, title]
        )


def test_codes_outside_the_weights_take_their_class_weight_or_the_default(scored):
    conn, cfg = scored
    add_crimes(
        conn,
        ("C97", "8L", "Harassment"),  # in the reference: its own weight, not listed
        ("C98", "010Z", "A new weapons sub-code"),  # class 10: lowest of 10A-10D is 10C's 10 days
        ("C99", "zz9", "Title as delivered"),  # not of code shape: the default
    )
    conn.execute("UPDATE raw.custody SET offence_code = '999Q'")  # code-shaped, class 999 unknown: the default
    n_custody = db.row_count(conn, "raw.custody")
    scoring.build_offence_weight(conn, cfg)
    scoring.build_crime_harm(conn, cfg)
    assert scoring.unknown_offence_codes(conn) == [
        ("10Z", True, 1, 0, "CLASS", 10.0),
        ("999Q", True, 0, n_custody, "DEFAULT", 2.5),
        ("ZZ9", False, 1, 0, "DEFAULT", 2.5),
    ]
    assert crime(conn, "C97")["harm_days"] == pytest.approx(5.0)  # 8L Band B fine
    assert crime(conn, "C98")["harm_days"] == pytest.approx(10.0)
    assert crime(conn, "C99")["harm_days"] == pytest.approx(2.5)
    row = conn.sql(
        "SELECT fallback_code, fallback_class, offence_title_delivered FROM harm.unknown_offence_code WHERE offence_code = '10Z'"
    ).fetchall()[0]
    assert row == ("10C", "10", "A new weapons sub-code")
    # the fallback row's title in harm.offence_weight is csenet's own text, never the delivered one
    title = db.scalar(conn, "SELECT offence_title FROM harm.offence_weight WHERE offence_code = 'ZZ9'")
    assert "Title as delivered" not in title and "default weight" in title
    share, recent_share = scoring.fallback_harm_share(conn)
    total = db.scalar(conn, "SELECT sum(harm_days) FROM harm.crime_harm")
    assert share == pytest.approx((10.0 + 2.5) / total)
    assert 0 < recent_share < 1


def test_default_fallback_setting_weights_every_unknown_code_alike(scored):
    conn, cfg = scored
    add_crimes(conn, ("C98", "10Z", "x"), ("C99", "58Q", "x"))
    strict = dataclasses.replace(cfg, unknown_code_fallback="DEFAULT", unknown_code_default_days=7.0)
    scoring.build_offence_weight(conn, strict)
    scoring.build_crime_harm(conn, strict)
    assert [(r[0], r[4], r[5]) for r in scoring.unknown_offence_codes(conn)] == [("10Z", "DEFAULT", 7.0), ("58Q", "DEFAULT", 7.0)]
    with pytest.raises(reference_files.WeightsFileError, match="unknown_code_fallback"):
        scoring.build_offence_weight(conn, dataclasses.replace(cfg, unknown_code_fallback="GUESS"))


def test_crimes_without_a_code_are_listed_not_dropped(scored):
    conn, cfg = scored
    add_crimes(conn, ("C99", None, "no code"))
    scoring.build_offence_weight(conn, cfg)
    scoring.build_crime_harm(conn, cfg)
    assert scoring.unknown_offence_codes(conn) == [(None, False, 1, 0, "NO_CODE", None)]
    assert db.scalar(conn, "SELECT count(*) FROM harm.crime_harm WHERE crime_ref = 'C99'") == 1


def test_reference_files_are_recorded_with_version_and_checksum(scored):
    conn, _ = scored
    files = {r[0]: r[1:] for r in conn.sql("SELECT kind, file_name, version, sha256, n_rows, bundled FROM harm.reference_file").fetchall()}
    assert set(files) == {"offence_codes", "harm_weights"}
    name, version, sha, n_rows, bundled = files["harm_weights"]
    assert name == "harm_weights.csv" and version == reference_files.BUNDLED_VERSION and bundled
    assert sha == hashlib.sha256(reference_files.BUNDLED_WEIGHTS.read_bytes()).hexdigest()
    assert n_rows == len(reference_files.load_weights(reference_files.BUNDLED_WEIGHTS))


def test_same_input_gives_identical_tables(scored):
    conn, cfg = scored
    first = conn.sql("SELECT * FROM harm.nominal_harm ORDER BY nominal_id").fetchall()
    scoring.build_crime_harm(conn, cfg)
    scoring.build_nominal_harm(conn, cfg)
    assert conn.sql("SELECT * FROM harm.nominal_harm ORDER BY nominal_id").fetchall() == first


def test_warning_names_at_most_the_configured_number_of_codes():
    from csenet_dagster.harm.checks import unknown_codes_result

    unknown = [(f"{n}Z", True, 1, 0, "DEFAULT", 2.5) for n in range(100, 125)]
    unknown += [("NOT A CODE", False, 3, 0, "DEFAULT", 2.5), (None, False, 2, 1, "NO_CODE", None)]
    result = unknown_codes_result(unknown, (0.25, 0.5), listed_max=20)
    assert not result.passed and result.severity.value == "WARN"
    assert "25 offence code(s)" in result.description and "and 5 more" in result.description
    assert "124Z" not in result.description and "119Z" in result.description
    assert "NOT A CODE" not in result.description + str(result.metadata)
    assert "1 non-code value" in result.description and "3 row(s) without an offence code" in result.description
    assert "25.00% of crime harm (50.00% of recent harm)" in result.description
    assert result.metadata["n_rows_affected"].value == 25 + 3 + 3
    assert unknown_codes_result([], (0.0, 0.0), listed_max=20).passed


def test_tiny_fallback_shares_are_not_shown_as_zero():
    from csenet_dagster.safe_text import format_share

    assert (format_share(0.0), format_share(0.00001), format_share(0.1234)) == ("0.00%", "<0.01%", "12.34%")
