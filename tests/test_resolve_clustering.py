"""Resolve stage: constrained clustering, stable ids and the corrections file."""

from __future__ import annotations

import pytest

from csenet_dagster.resolve import clustering, corrections
from csenet_dagster.resolve.steps import nominal_ids
from csenet_dagster.resolve.clustering import Correction


def groups(result: clustering.ClusterResult) -> list[list[str]]:
    by_key: dict[str, list[str]] = {}
    for ref, key in result.cluster_of.items():
        by_key.setdefault(key, []).append(ref)
    return sorted(sorted(g) for g in by_key.values())


def test_threshold_edges_give_connected_components_and_singletons():
    result = clustering.cluster(["a", "b", "c", "d", "e"], {}, [("a", "b", 0.999), ("b", "c", 0.995)])
    assert groups(result) == [["a", "b", "c"], ["d"], ["e"]]
    assert result.cluster_of["c"] == "a"  # cluster key = smallest ref
    assert result.probability == {"a": 0.999, "b": 0.999, "c": 0.995, "d": 1.0, "e": 1.0}


def test_conflicting_pnc_ids_split_at_the_weakest_edge():
    # a-b strong, b-c weak, c-d strong; a and d carry different valid PNC ids
    edges = [("a", "b", 0.9999), ("b", "c", 0.991), ("c", "d", 0.9998)]
    result = clustering.cluster(["a", "b", "c", "d"], {"a": "15/0000001A", "d": "16/0000002B"}, edges)
    assert groups(result) == [["a", "b"], ["c", "d"]]
    assert result.refused_edges == 1
    # the same PNC id on both ends is no conflict
    same = clustering.cluster(["a", "b", "c", "d"], {"a": "15/0000001A", "d": "15/0000001A"}, edges)
    assert groups(same) == [["a", "b", "c", "d"]]


def test_far_apart_dobs_refuse_a_model_join_but_not_an_analysts():
    import datetime as dt

    d = dt.date
    # a parent (1970) and child (2005) with one name at one address, chained through c (no dob)
    edges = [("a", "c", 0.9999), ("b", "c", 0.995)]
    dobs = {"a": d(1970, 3, 4), "b": d(2005, 6, 7)}
    result = clustering.cluster(["a", "b", "c"], {}, edges, dob_of=dobs)
    assert groups(result) == [["a", "c"], ["b"]]
    assert result.refused_edges == 1
    assert groups(clustering.cluster(["a", "b", "c"], {}, edges)) == [["a", "b", "c"]]  # without dobs: chained
    # an analyst's SAME may override the dob conflict
    same = clustering.cluster(["a", "b", "c"], {}, edges, [Correction(1, "SAME", "a", "b")], dob_of=dobs)
    assert groups(same) == [["a", "b", "c"]] and same.correction_status == {1: "applied"}


@pytest.mark.parametrize(
    ("a", "b", "conflict"),
    [
        ("1990-05-03", "1990-05-03", False),  # equal
        ("1990-05-03", "1990-05-08", False),  # one digit wrong
        ("1990-05-13", "1990-05-31", False),  # two digits transposed
        ("1990-05-03", "1990-03-05", False),  # day and month swapped
        ("1989-05-03", "1990-05-03", False),  # the year one out
        ("1990-05-03", "1990-09-21", True),  # within a year, not a typing error: siblings
        ("1970-03-04", "2005-06-07", True),
    ],
)
def test_dobs_conflict_allows_typing_errors_only(a, b, conflict):
    import datetime as dt

    assert clustering.dobs_conflict(dt.date.fromisoformat(a), dt.date.fromisoformat(b)) is conflict


def test_not_same_splits_and_same_joins():
    edges = [("a", "b", 0.999), ("b", "c", 0.999)]
    fixes = [Correction(1, "NOT_SAME", "c", "a"), Correction(2, "SAME", "d", "e")]
    result = clustering.cluster(["a", "b", "c", "d", "e"], {}, edges, fixes)
    assert groups(result) == [["a", "b"], ["c"], ["d", "e"]]
    assert result.correction_status == {1: "applied", 2: "applied"}
    assert result.probability["d"] == result.probability["e"] == 1.0


def test_same_never_overrides_not_same_or_pnc_and_unknown_refs_are_reported():
    fixes = [
        Correction(1, "NOT_SAME", "a", "b"),
        Correction(2, "SAME", "a", "b"),
        Correction(3, "SAME", "c", "d"),
        Correction(4, "SAME", "a", "zz"),
    ]
    result = clustering.cluster(["a", "b", "c", "d"], {"c": "15/0000001A", "d": "16/0000002B"}, [], fixes)
    assert groups(result) == [["a"], ["b"], ["c"], ["d"]]
    assert result.correction_status == {
        1: "applied",
        2: "not_applied_not_same",
        3: "not_applied_pnc_conflict",
        4: "person_ref_not_in_delivery",
    }


def test_clustering_does_not_depend_on_edge_order():
    edges = [("a", "b", 0.995), ("b", "c", 0.995), ("c", "d", 0.999), ("a", "d", 0.995)]
    pnc = {"a": "15/0000001A", "c": "16/0000002B"}
    first = clustering.cluster(list("abcd"), pnc, edges)
    second = clustering.cluster(list("dcba"), pnc, list(reversed(edges)))
    assert first.cluster_of == second.cluster_of and first.probability == second.probability


def test_stable_ids_inherit_by_overlap_and_new_ids_follow_the_highest():
    previous = {"N00000007": ["a", "b", "c"], "N00000002": ["d"], "N00000009": ["x"]}
    # c split off from a/b; d merged with new record e; f is new
    cluster_of = {"a": "a", "b": "a", "c": "c", "d": "d", "e": "d", "f": "f"}
    ids = nominal_ids(cluster_of, previous, 0)
    assert ids["a"] == "N00000007"  # shares 2 refs with N7
    assert ids["d"] == "N00000002"
    # N7 is used once; c and f get fresh ids above N9 (the highest ever published), in ref order
    assert ids["c"] == "N00000010" and ids["f"] == "N00000011"


def test_stable_ids_ties_broken_by_old_id_then_cluster():
    previous = {"N00000005": ["a"], "N00000003": ["b"]}
    ids = nominal_ids({"a": "a", "b": "a"}, previous, 0)
    assert ids == {"a": "N00000003"}
    with pytest.raises(ValueError, match="unexpected form"):
        nominal_ids({"a": "a"}, {"X1": ["a"]}, 0)


def write(tmp_path, text: str):
    path = tmp_path / "identity.csv"
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "decision,person_ref_a,person_ref_b,analyst,decided_at,reason\n"


def test_corrections_file_missing_means_none(tmp_path):
    assert corrections.load(tmp_path / "identity.csv") == []


def test_corrections_file_parsed(tmp_path):
    path = write(
        tmp_path,
        HEADER + 'not_same,CU1,IN2,A Analyst,2026-11-20,"different people, checked"\n'
        "SAME,CR3,CR4,B Analyst,21/11/2026 ,same PNC on paper file\n",
    )
    loaded = corrections.load(path)
    assert [(c.row_no, c.decision, c.person_ref_a, c.person_ref_b) for c in loaded] == [
        (1, "NOT_SAME", "CU1", "IN2"),
        (2, "SAME", "CR3", "CR4"),
    ]


@pytest.mark.parametrize(
    "body,message",
    [
        ("MAYBE,CU1,IN2,A,2026-11-20,x\n", "row 1: decision must be SAME or NOT_SAME"),
        ("SAME,CU1,IN2,A,2026-11-20,x\nSAME,,IN2,A,2026-11-20,x\n", "row 2: person_ref_a is empty"),
        ("SAME,CU1,CU1,A,2026-11-20,x\n", "row 1: person_ref_a equals person_ref_b"),
        ("SAME,CU1,IN2,A,yesterday,x\n", "row 1: decided_at is not a date"),
        ("SAME,CU1,IN2,A,2026-11-20\n", "row 1: has 5 fields"),
    ],
)
def test_bad_corrections_rows_name_file_and_row(tmp_path, body, message):
    path = write(tmp_path, HEADER + body)
    with pytest.raises(corrections.CorrectionsError) as err:
        corrections.load(path)
    assert "identity.csv" in str(err.value) and message in str(err.value)
    assert "CU1" not in str(err.value)  # values are never echoed


def test_corrections_header_must_have_every_column(tmp_path):
    path = write(tmp_path, "decision,person_ref_a,analyst\nSAME,CU1,A\n")
    with pytest.raises(corrections.CorrectionsError, match="header lacks column.*person_ref_b"):
        corrections.load(path)
