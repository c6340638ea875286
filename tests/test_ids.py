"""csenet_dagster/ids.py: id formats and the overlap inheritance nominals and networks share."""

from __future__ import annotations

import itertools
import random

import duckdb
import pytest

from csenet_dagster import db, ids


def test_formats_are_the_published_ones():
    assert ids.NOMINAL.format(42) == "N00000042"
    assert ids.NETWORK.format(7) == "CSE00007"
    assert ids.NOMINAL.number("N00000042") == 42 and ids.NETWORK.number("CSE00007") == 7
    assert ids.NOMINAL.is_valid("N00000042") and not ids.NOMINAL.is_valid("N0000042")
    assert not ids.NETWORK.is_valid("CSE000007") and not ids.NETWORK.is_valid("N00000042")
    with pytest.raises(ValueError, match="nominal id of unexpected form"):
        ids.NOMINAL.number("X1")
    with pytest.raises(ValueError, match="exhausted"):
        ids.NETWORK.format(100000)
    with pytest.raises(ValueError, match="outside"):
        ids.NOMINAL.format(0)


def test_sql_fragments_agree_with_python():
    conn = duckdb.connect(config=dict(db.CONNECTION_CONFIG))
    values = ["N00000042", "N0000042", "CSE00007", "CSE000007", "n00000042", "N00000042 "]
    conn.execute("CREATE TABLE t (nominal_id VARCHAR, network_id VARCHAR)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [[v, v] for v in values])
    for fmt in ids.FORMATS:
        column = f"{fmt.kind}_id"
        valid = dict(conn.sql(f"SELECT {column}, {fmt.sql_is_valid(column)} FROM t").fetchall())
        assert valid == {v: fmt.is_valid(v) for v in values}, fmt.kind
        numbers = conn.sql(f"SELECT {fmt.sql_number(column)} FROM t WHERE {fmt.sql_is_valid(column)}").fetchall()
        assert [n for (n,) in numbers] == [fmt.number(v) for v in values if fmt.is_valid(v)]
    conn.close()


def test_inherit_keeps_the_largest_overlap_and_numbers_new_groups_in_order():
    previous = {"CSE00004": ["a", "b"], "CSE00010": ["z"]}
    assigned = ids.inherit([["e", "f"], ["a", "b", "c"], ["b", "g"]], previous, ids.NETWORK, highest_issued=12)
    assert assigned == [
        ids.AssignedId("CSE00013", ids.NEW, 0),  # above the watermark, not above the previous ids (10)
        ids.AssignedId("CSE00004", ids.KEPT, 2),
        ids.AssignedId("CSE00014", ids.NEW, 0),  # CSE00004 is used once
    ]


def test_inherit_ties_go_to_the_smallest_member_then_the_smallest_old_id():
    # one group overlapping two old ids equally keeps the smaller id
    assert ids.inherit([["a", "b"]], {"N00000005": ["a"], "N00000003": ["b"]}, ids.NOMINAL)[0].id == "N00000003"
    # two groups overlapping one old id equally: the group with the smaller member keeps it
    assigned = ids.inherit([["d", "b"], ["a", "c"]], {"N00000001": ["a", "b"]}, ids.NOMINAL)
    assert [(a.id, a.status) for a in assigned] == [("N00000002", ids.NEW), ("N00000001", ids.KEPT)]


def test_new_ids_start_above_previous_ids_even_without_a_watermark():
    assigned = ids.inherit([["x"]], {"N00000009": ["gone"]}, ids.NOMINAL, highest_issued=0)
    assert assigned == [ids.AssignedId("N00000010", ids.NEW, 0)]
    with pytest.raises(ValueError, match="unexpected form"):
        ids.inherit([["x"]], {"CSE00001": ["x"]}, ids.NOMINAL)


def _greedy_old_id_first(groups, previous):
    """The nominal rule before ids.py (stable_ids.assign): ties by old id, then group."""
    candidates = [(-len(set(g) & set(m)), old, min(g), i)
                  for i, g in enumerate(groups) for old, m in previous.items() if set(g) & set(m)]
    kept, used = {}, set()
    for _, old, _, index in sorted(candidates):
        if index not in kept and old not in used:
            kept[index], used = old, used | {old}
    return kept


def test_inherit_gives_the_pairs_the_old_nominal_rule_gave():
    """Greedy matching with ties by group first (ids.inherit, the network rule) and by old id
    first (the nominal rule) pick the same pairs on disjoint groups: checked exhaustively
    on random small cases."""
    rng = random.Random(5)
    for _ in range(3000):
        members = list("abcdefgh")
        rng.shuffle(members)
        cuts = sorted(rng.sample(range(1, 8), rng.randint(0, 3)))
        groups = [members[i:j] for i, j in itertools.pairwise([0, *cuts, 8])]
        previous = {ids.NOMINAL.format(n): rng.sample("abcdefgh", rng.randint(1, 3)) for n in range(1, rng.randint(2, 5))}
        assigned = ids.inherit(groups, previous, ids.NOMINAL)
        kept = {i: a.id for i, a in enumerate(assigned) if a.status == ids.KEPT}
        assert kept == _greedy_old_id_first(groups, previous), (groups, previous)
