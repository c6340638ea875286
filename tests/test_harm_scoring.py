"""Crime and nominal harm on the hand-made world (known truth in test_harm_world)."""

from __future__ import annotations

import dataclasses

import pytest

import test_harm_world as world
from csenet_dagster import db
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
    codes = set(world.__dict__["WEIGHT"]) | set(scoring.weights.load_offence_codes())
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


def test_unweighted_codes_are_listed_by_code(scored):
    conn, cfg = scored
    conn.execute("INSERT INTO raw.crime VALUES ('C99', DATE '2026-01-01', NULL, 'zz9', 'x', FALSE, NULL, NULL, 99)")
    conn.execute("UPDATE raw.custody SET offence_code = '099Q'")
    scoring.build_crime_harm(conn, cfg)
    assert scoring.unweighted_offence_codes(conn) == [("99Q", "custody.csv", 1), ("ZZ9", "crime.csv", 1)]
    # the crime is kept (never silently dropped) with an unknown harm
    assert crime(conn, "C99")["harm_days"] != crime(conn, "C99")["harm_days"]  # NaN


def test_same_input_gives_identical_tables(scored):
    conn, cfg = scored
    first = conn.sql("SELECT * FROM harm.nominal_harm ORDER BY nominal_id").fetchall()
    scoring.build_crime_harm(conn, cfg)
    scoring.build_nominal_harm(conn, cfg)
    assert conn.sql("SELECT * FROM harm.nominal_harm ORDER BY nominal_id").fetchall() == first
