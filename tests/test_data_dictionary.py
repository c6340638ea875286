"""The data dictionary: every published table and column described, in analyst.duckdb
(COMMENT ON) and in docs/data_dictionary.md, from one source."""

from __future__ import annotations

import duckdb

from csenet_dagster.publish import data_dictionary
from csenet_dagster.publish.analyst_db import published_tables


def published_columns(path) -> dict[str, list[tuple[str, str | None]]]:
    conn = duckdb.connect(str(path), read_only=True)
    try:
        rows = conn.sql(
            "SELECT table_name, column_name, comment FROM duckdb_columns() "
            "WHERE schema_name = 'main' AND NOT internal ORDER BY table_name, column_index"
        ).fetchall()
        tables = dict(conn.sql("SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'main'").fetchall())
    finally:
        conn.close()
    columns: dict[str, list] = {t: [] for t in tables}
    for table, column, comment in rows:
        columns[table].append((column, comment))
    return columns, tables


def test_doc_is_rendered_from_the_dictionary():
    assert data_dictionary.DOC_FILE.read_text(encoding="utf-8") == data_dictionary.render_markdown(), (
        "docs/data_dictionary.md is stale: run `python -m csenet_dagster.publish.data_dictionary --write`"
    )
    assert data_dictionary.main(["--check"]) == 0


def test_every_published_table_and_column_is_described(small_run):
    columns, _ = published_columns(small_run.analyst_db)
    assert set(columns) == set(published_tables())
    missing = data_dictionary.undescribed({t: [c for c, _ in cols] for t, cols in columns.items()})
    assert not missing, f"undescribed published tables/columns: {', '.join(missing)}. {data_dictionary.WHERE_TO_ADD}"


def test_analyst_file_carries_the_descriptions_as_comments(small_run):
    columns, tables = published_columns(small_run.analyst_db)
    dictionary = data_dictionary.load()
    assert tables == {t: dictionary[t]["description"] for t in tables}
    for table, cols in columns.items():
        assert {c: comment for c, comment in cols} == {c: dictionary[table]["columns"][c] for c, _ in cols}


def test_dictionary_describes_nothing_that_is_not_published(small_run):
    columns, _ = published_columns(small_run.analyst_db)
    dictionary = data_dictionary.load()
    stale = [t for t in dictionary if t not in columns]
    stale += [f"{t}.{c}" for t, spec in dictionary.items() if t in columns
              for c in spec["columns"] if c not in {name for name, _ in columns[t]}]
    assert not stale, f"described but not published (remove from publish/data_dictionary.yaml): {', '.join(stale)}"


def test_an_undescribed_column_is_reported_not_fatal():
    conn = duckdb.connect()
    conn.execute("CREATE TABLE quarantine (delivery_id VARCHAR, surprise_column VARCHAR, \"odd \"\"name\" INT)")
    conn.execute("CREATE TABLE brand_new_table (x INT)")
    missing = data_dictionary.comment_tables(conn, "memory.main", ["quarantine", "brand_new_table"])
    assert missing == ["quarantine.surprise_column", 'quarantine.odd "name', "brand_new_table", "brand_new_table.x"]
    comments = dict(conn.sql("SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'quarantine'").fetchall())
    assert comments["delivery_id"] == data_dictionary.load()["quarantine"]["columns"]["delivery_id"]
    assert comments["surprise_column"] is None


def test_invalid_dictionary_names_the_line(tmp_path, monkeypatch):
    import pytest

    bad = tmp_path / "data_dictionary.yaml"
    bad.write_text("tables:\n  edge:\n    description: ok\n    columns:\n      weight: a: b\n", encoding="utf-8")
    monkeypatch.setattr(data_dictionary, "DICTIONARY_FILE", bad)
    data_dictionary.load.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"data_dictionary.yaml line 5: not valid YAML .* must be quoted"):
            data_dictionary.load()
    finally:
        data_dictionary.load.cache_clear()
