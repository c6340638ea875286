"""The ``prev`` stage's one asset: the previous published run, snapshotted into ``prev.*``.

It has no upstream asset in the graph on purpose: it reads what the *last* run
published (``publish/analyst_db``) and the id ledger it raised (``audit/id_ledger``),
which would be a cycle within one run. Downstream, resolve, network, harm and publish
depend on the tables they read, so the lineage shows the backwards flow here.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from csenet_dagster import db
from csenet_dagster.assets_common import OWNERS, key, table_metadata
from csenet_dagster.previous import snapshot

GROUP = "prev"

DESCRIPTIONS = {
    "prev.run": "The previous published run's delivery (empty on a first run): changes are listed only after one.",
    "prev.nominal_record": "The previous published crosswalk person_ref -> nominal_id: the basis of stable nominal ids.",
    "prev.network": "The previous published networks with their priority_rank (harm's previous_rank).",
    "prev.network_member": "The previous published network members: the basis of stable network ids and NEW_MEMBER.",
    "prev.edge": "The previous published edges (pair and link type), for NEW_LINK changes.",
    "prev.network_crime": "The previous run's crimes per network (from its explanation, component HARM), for NEW_CRIME.",
    "prev.id_watermark": "Highest nominal and network id number ever issued (previous file's ids and id_watermark, "
    "and the pipeline's audit.id_ledger): new ids start above it, so ids are never reused.",
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key(table), description=DESCRIPTIONS[table], group_name=GROUP, owners=OWNERS, kinds={"duckdb", "sql"},
        )
        for table in snapshot.SNAPSHOT_TABLES
    ],
    pool=db.DUCKDB_POOL,
    name="prev__snapshot",
    description="Reads the published analyst.duckdb once (a private read-only copy) and the id ledger; "
    "fails naming file and rule when a published file cannot serve (docs/operations.md).",
)
def previous_run(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    with duckdb.get_connection() as conn:
        try:
            rows = snapshot.take(conn)
        except snapshot.PreviousRunError as exc:
            raise dg.Failure(description=str(exc)) from None
        first_run = rows["prev.run"] == 0
        context.log.info("no previous published run: first run" if first_run else "previous published run read")
        marks = dict(conn.sql("SELECT kind, max_issued FROM prev.id_watermark").fetchall())
        for table in snapshot.SNAPSHOT_TABLES:
            extra = {f"max_issued_{kind}": int(n) for kind, n in marks.items()} if table == "prev.id_watermark" else {}
            yield dg.MaterializeResult(
                asset_key=key(table), metadata=table_metadata(conn, table, first_run=first_run, **extra)
            )


ASSETS = [previous_run]
