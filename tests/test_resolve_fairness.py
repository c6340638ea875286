"""Entity resolution is as good for every name group (issue 11 item 3).

The generator draws people from several name groups with their own frequencies and the
spelling variation their names carry in police records (truth/person.csv, name_group).
Pairwise precision and recall per group on the shared 20,000-person run: no group's recall
more than 0.03 below the overall recall, and every group's precision at least 0.99.
"""

from __future__ import annotations

import duckdb
import pytest

from csenet_dagster.resolve.quality import pairwise_scores_by_name_group, true_pairs_joined

NAME_GROUPS = {"WHITE_BRITISH", "SOUTH_ASIAN", "EASTERN_EUROPEAN", "BLACK_AFRICAN_CARIBBEAN", "EAST_ASIAN",
               "MIDDLE_EASTERN"}
MIN_PRECISION = 0.99
MAX_RECALL_GAP = 0.03


@pytest.fixture(scope="module")
def scores(quality_pipeline_run):
    ws = quality_pipeline_run
    conn = duckdb.connect(str(ws.work_db), read_only=True)
    try:
        return pairwise_scores_by_name_group(conn, ws.truth)
    finally:
        conn.close()


def test_scores_by_name_group_count_each_pair_where_it_belongs(tmp_path):
    """Hand-made crosswalk: P1 (SOUTH_ASIAN, 3 records) split 2+1, P2 (WHITE_BRITISH) wrongly
    joined to P1's pair, P3 (EAST_ASIAN, 2 records) found."""
    (tmp_path / "person_ref.csv").write_text(
        "person_ref,person_id,system\nA1,P1,CR\nA2,P1,CU\nA3,P1,IN\nB1,P2,CR\nC1,P3,CR\nC2,P3,CU\n")
    (tmp_path / "person.csv").write_text(
        "person_id,kind,network_id,ocg_ref,name_group,name_origin\n"
        "P1,BACKGROUND,,,SOUTH_ASIAN,PAKISTANI\nP2,BACKGROUND,,,WHITE_BRITISH,WHITE_BRITISH\n"
        "P3,BACKGROUND,,,EAST_ASIAN,CHINESE\n")
    conn = duckdb.connect()
    conn.execute("CREATE SCHEMA er")
    conn.execute("CREATE TABLE er.nominal_record AS SELECT * FROM (VALUES ('A1', 'N1'), ('A2', 'N1'), ('B1', 'N1'), "
                 "('A3', 'N2'), ('C1', 'N3'), ('C2', 'N3')) AS t(person_ref, nominal_id)")
    scores = pairwise_scores_by_name_group(conn, tmp_path)
    as_counts = {g: (s.true_positive, s.false_positive, s.false_negative) for g, s in scores.items()}
    # P1: true pairs A1-A2 (found), A1-A3 and A2-A3 (missed); false A1-B1, A2-B1 count for both groups
    assert as_counts == {"SOUTH_ASIAN": (1, 2, 2), "WHITE_BRITISH": (0, 2, 0), "EAST_ASIAN": (1, 0, 0),
                         "all": (2, 2, 2)}
    assert scores["WHITE_BRITISH"].precision == 0.0 and scores["EAST_ASIAN"].recall == 1.0


@pytest.mark.slow
def test_every_name_group_is_measured_on_enough_pairs(scores):
    assert set(scores) == NAME_GROUPS | {"all"}
    for group in NAME_GROUPS:
        score = scores[group]
        assert score.true_positive + score.false_negative >= 100, group  # enough true pairs to judge
    # the groups' true pairs add up to the overall ones (a true pair is within one person)
    assert sum(scores[g].true_positive + scores[g].false_negative for g in NAME_GROUPS) == (
        scores["all"].true_positive + scores["all"].false_negative)


# Measured (docs/entity_resolution.md, "By name group"): every group's recall is within 0.03 of
# the overall at 26k, 130k and 1.04M records.
@pytest.mark.slow
def test_no_name_group_recall_falls_more_than_0_03_below_overall(scores):
    overall = scores["all"]
    behind = {g: round(scores[g].recall, 4) for g in sorted(NAME_GROUPS)
              if scores[g].recall < overall.recall - MAX_RECALL_GAP}
    assert not behind, f"recall more than {MAX_RECALL_GAP} below overall {overall.recall:.4f}: {behind}"


# A group of a few hundred true pairs loses a point of precision to one wrongly joined family,
# so the floor that must hold on every run is lower than the target: no group's members are
# joined to someone else more than 1 time in 20.
MIN_PRECISION_ANY_RUN = 0.95


@pytest.mark.slow
def test_no_name_group_has_precision_below_the_floor(scores):
    low = {g: round(scores[g].precision, 4) for g in sorted(NAME_GROUPS) if scores[g].precision < MIN_PRECISION_ANY_RUN}
    assert not low, f"name groups with precision below {MIN_PRECISION_ANY_RUN}: {low}"


# Issue 11 item 3. Met since the postcode is scored given the surname (linkage.add_household_level):
# relatives at one address were the false matches that took a small group below 0.99 (East Asian
# 0.9855 on this run before, 1.0 after; lowest group South Asian 0.9949). Measured at 26k (seeds 3
# and 5) and 130k records (seed 3) in docs/entity_resolution.md, "By name group".
@pytest.mark.slow
def test_precision_is_at_least_0_99_for_every_name_group(scores):
    low = {g: round(scores[g].precision, 4) for g in sorted(NAME_GROUPS) if scores[g].precision < MIN_PRECISION}
    assert not low, f"name groups with precision below {MIN_PRECISION}: {low}"


# A woman recorded as Begum (Bibi, Khatun, Kaur) in one system and under her family name in
# another, or a man as "Mohammed" alone and by his calling name: with the rest of the name and
# the dob agreeing she is one nominal. Measured on this run (seed 5): 128 of 134 such title pairs
# and 47 of 49 prefix pairs joined; 123 and 44 when the two were scored as plain disagreements.
@pytest.mark.slow
def test_title_and_prefix_names_do_not_split_a_person(quality_pipeline_run):
    conn = duckdb.connect(str(quality_pipeline_run.work_db), read_only=True)
    try:
        truth = quality_pipeline_run.truth / "person_ref.csv"
        title = true_pairs_joined(conn, truth,
                                  "a.surname_is_title <> b.surname_is_title AND a.forename_canonical = b.forename_canonical"
                                  " AND a.dob_std = b.dob_std")
        prefix = true_pairs_joined(conn, truth,
                                   "a.forename_is_prefix <> b.forename_is_prefix AND a.surname_std = b.surname_std"
                                   " AND a.dob_std = b.dob_std")
    finally:
        conn.close()
    assert title[0] >= 50 and prefix[0] >= 20, (title, prefix)  # enough pairs to judge
    assert title[1] / title[0] >= 0.94, title
    assert prefix[1] / prefix[0] >= 0.92, prefix
