"""db.registered: a frame is readable by SQL inside the block and gone after it, whatever happens."""

from __future__ import annotations

import duckdb
import polars as pl
import pyarrow as pa
import pytest

from csenet_dagster import db


def visible(conn, name: str) -> bool:
    try:
        conn.sql(f"SELECT count(*) FROM {name}").fetchall()
    except duckdb.CatalogException:
        return False
    return True


def test_polars_and_arrow_frames_are_read_in_the_block_and_unregistered_after():
    conn = duckdb.connect(":memory:", config=dict(db.CONNECTION_CONFIG))
    frame = pl.DataFrame({"n": [1, 2, 3]}, schema={"n": pl.Int64})
    table = pa.table({"n": pa.array([10], pa.int64())})
    with db.registered(conn, small=frame, other=table):
        assert conn.sql("SELECT sum(n) FROM small").fetchall() == [(6,)]
        assert conn.sql("DESCRIBE small").fetchall()[0][:2] == ("n", "BIGINT")
        assert conn.sql("SELECT n FROM other").fetchall() == [(10,)]
    assert not visible(conn, "small") and not visible(conn, "other")


def test_frames_are_unregistered_when_the_block_fails():
    conn = duckdb.connect(":memory:", config=dict(db.CONNECTION_CONFIG))
    with pytest.raises(RuntimeError, match="step failed"):
        with db.registered(conn, small=pl.DataFrame({"n": [1]})):
            assert visible(conn, "small")
            raise RuntimeError("step failed")
    assert not visible(conn, "small")
