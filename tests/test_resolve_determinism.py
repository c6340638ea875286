"""Same records + settings => bit-identical linkage model and match probabilities.

The linkage runs in two separate processes, once on the records as the pipeline
passes them (sorted, one batch) and once on the same records shuffled and cut into
many small batches (the order and chunking a different engine or DuckDB's parallel
scans could produce). The trained parameters and every scored pair must be
identical to the last bit, and equal to what the pipeline itself stored.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from csenet_dagster.resolve import linkage

LINK_IN_CHILD = """
import json, sys
import pyarrow as pa, pyarrow.parquet as pq
from csenet_dagster import settings
from csenet_dagster.resolve import linkage
from csenet_dagster.resolve.config import ResolveSettings

records = pq.read_table(sys.argv[1])
if sys.argv[2] == "shuffled":
    order = pq.read_table(sys.argv[3]).column("i")
    records = pa.Table.from_batches(records.take(order).to_batches(max_chunksize=37))
result = linkage.link(records, settings.load(ResolveSettings))
pairs = [[r["person_ref_l"], r["person_ref_r"], r["match_weight"].hex(), r["match_probability"].hex()]
         for r in result.pairs.to_pylist()]
print(json.dumps({"model": result.model_json, "pairs": pairs, "batches": records.to_batches().__len__()}))
"""


def test_linkage_is_bit_identical_across_processes_and_input_order(small_run, tmp_path):
    # A private copy of the run's working database: the fixture stays read-only.
    work_copy = tmp_path / "work.duckdb"
    shutil.copyfile(small_run.work_db, work_copy)
    columns = ", ".join(linkage.MODEL_COLUMNS)
    with duckdb.connect(str(work_copy), read_only=True, config={"python_enable_replacements": False}) as conn:
        records = conn.sql(f"SELECT {columns} FROM er.person_std ORDER BY person_ref").to_arrow_table()
        stored = [
            (a, b, w.hex(), p.hex())
            for a, b, w, p in conn.sql(
                "SELECT person_ref_l, person_ref_r, match_weight, match_probability"
                " FROM er.match_pair ORDER BY person_ref_l, person_ref_r"
            ).fetchall()
        ]
    records_file, order_file = tmp_path / "records.parquet", tmp_path / "order.parquet"
    pq.write_table(records, records_file)
    # A fixed permutation (reverse interleaved), not random: the test itself is repeatable.
    n = records.num_rows
    pq.write_table(pa.table({"i": pa.array(list(range(n - 1, -1, -2)) + list(range(n - 2, -1, -2)), pa.int64())}), order_file)

    children = [
        subprocess.Popen(
            [sys.executable, "-c", LINK_IN_CHILD, str(records_file), how, str(order_file)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        for how in ("sorted", "shuffled")
    ]
    outputs = []
    for child in children:
        out, _ = child.communicate(timeout=300)
        assert child.returncode == 0
        outputs.append(json.loads(out))
    in_order, shuffled = outputs

    assert in_order["batches"] == 1 and shuffled["batches"] > 10
    assert len(in_order["pairs"]) > 100
    assert json.loads(in_order["model"])["comparisons"], "no trained model"
    assert in_order["model"] == shuffled["model"]
    assert in_order["pairs"] == shuffled["pairs"]
    assert [tuple(p) for p in in_order["pairs"]] == stored
