"""Measured linkage quality against a generator's truth (tests, benchmark, docs)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from csenet_dagster import db


@dataclass(frozen=True)
class PairwiseScore:
    name_group: str
    true_positive: int
    false_positive: int
    false_negative: int

    @property
    def precision(self) -> float:
        predicted = self.true_positive + self.false_positive
        return self.true_positive / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        actual = self.true_positive + self.false_negative
        return self.true_positive / actual if actual else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _truth_table(conn: duckdb.DuckDBPyConnection, csv: Path, columns: str):
    """Columns of a truth CSV of the generator, every value as text."""
    return conn.sql(f"SELECT {columns} FROM read_csv({db.literal(str(csv))}, all_varchar = true)").to_arrow_table()


def _pairwise_sql(name: str, **params) -> str:
    """A pairwise score's query, its candidate pairs from the one shared file."""
    candidates = db.SqlFragment(db.render_sql("2_resolve/quality/candidate_pairs.sql"))
    return db.render_sql(f"2_resolve/quality/{name}", {"candidate_pairs": candidates, **params})


def pairwise_scores(
    conn: duckdb.DuckDBPyConnection, truth_person_ref_csv: Path, top_n: int = 20
) -> dict[str, PairwiseScore]:
    """Scores of er.nominal_record by name group ('all', 'common_name', 'other_name')."""
    truth = _truth_table(conn, truth_person_ref_csv, "person_ref, person_id")
    with db.registered(conn, truth_person_ref=truth):
        rows = conn.sql(_pairwise_sql("pairwise.sql", top_n=top_n)).fetchall()
    return {r[0]: PairwiseScore(r[0], int(r[1]), int(r[2]), int(r[3])) for r in rows}


def pairwise_scores_by_name_group(
    conn: duckdb.DuckDBPyConnection, truth_dir: Path
) -> dict[str, PairwiseScore]:
    """Scores of er.nominal_record by the people's name group in the generator's truth
    (``truth/person.csv`` column ``name_group``: WHITE_BRITISH, SOUTH_ASIAN, ...), plus 'all'.

    A true pair counts in its person's group. A false match counts against the group of each
    of the two people, so every group's precision shows how often its members are joined to
    someone else (the fairness question: is one group's linkage worse than another's?).
    """
    truth_dir = Path(truth_dir)
    person_ref = _truth_table(conn, truth_dir / "person_ref.csv", "person_ref, person_id")
    person = _truth_table(conn, truth_dir / "person.csv", "person_id, name_group")
    with db.registered(conn, truth_person_ref=person_ref, truth_person=person):
        rows = conn.sql(_pairwise_sql("pairwise_by_name_group.sql")).fetchall()
    return {r[0]: PairwiseScore(r[0], int(r[1]), int(r[2]), int(r[3])) for r in rows}


def true_pairs_joined(conn: duckdb.DuckDBPyConnection, truth_person_ref_csv: Path, where: str) -> tuple[int, int]:
    """(true pairs whose standardised records ``a`` and ``b`` meet the SQL condition ``where``,
    how many of them er.nominal_record puts in one nominal): recall on one kind of pair."""
    truth = _truth_table(conn, truth_person_ref_csv, "person_ref, person_id")
    with db.registered(conn, truth_person_ref=truth):
        pairs, joined = conn.sql(f"""
            SELECT count(*), count(*) FILTER (WHERE na.nominal_id = nb.nominal_id)
            FROM truth_person_ref AS ta
            JOIN truth_person_ref AS tb ON ta.person_id = tb.person_id AND ta.person_ref < tb.person_ref
            JOIN er.person_std AS a ON a.person_ref = ta.person_ref
            JOIN er.person_std AS b ON b.person_ref = tb.person_ref
            JOIN er.nominal_record AS na ON na.person_ref = a.person_ref
            JOIN er.nominal_record AS nb ON nb.person_ref = b.person_ref
            WHERE {where}""").fetchall()[0]
    return int(pairs), int(joined)
