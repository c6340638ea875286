"""Conventions every stage's assets share, kept in one place.

* Asset keys are ``[schema, table]`` of the working database, so lineage in the
  UI reads like the database (``raw/crime`` -> ``er/nominal`` -> ...).
* Every asset that writes DuckDB runs in the single-writer pool.
* Metadata carry counts, rates and column schemas, never person values.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import dagster as dg
import duckdb

# Dagster resolves the string annotations of a multi-asset's wrapped function (its
# ``duckdb: DuckDBResource`` parameter) in this module's namespace.
from dagster_duckdb import DuckDBResource  # noqa: F401

from csenet_dagster import db

OWNERS = ["team:data-analytics-lab"]


def key(table: str) -> dg.AssetKey:
    """'er.nominal' -> AssetKey(['er', 'nominal'])."""
    return dg.AssetKey(table.split("."))


def column_schema(conn: duckdb.DuckDBPyConnection, table: str) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[dg.TableColumn(name, type_) for name, type_ in db.table_schema(conn, table)]
    )


def table_metadata(conn: duckdb.DuckDBPyConnection, table: str, **extra: Any) -> dict[str, Any]:
    """Row count and column schema of a working table, plus stage-specific counts."""
    meta: dict[str, Any] = {
        "dagster/row_count": dg.MetadataValue.int(db.row_count(conn, table)),
        "dagster/column_schema": column_schema(conn, table),
        "table": dg.MetadataValue.text(table),
    }
    meta.update(extra)
    return meta


def stage_asset(
    table: str,
    *,
    group: str,
    description: str,
    deps: Sequence[str | dg.AssetKey] = (),
    kinds: Sequence[str] = ("duckdb", "sql"),
    also_writes: Mapping[str, str] | None = None,
    **kwargs: Any,
):
    """``@dg.asset`` with the project's key, pool, owners and kinds conventions; the body's
    errors are masked (``redact.masked``) before Dagster records them.

    ``also_writes``: the other persistent tables the asset writes, table -> description.
    Every persistent table is an asset key (so the lineage graph shows who reads it):
    with ``also_writes`` the asset is a multi-asset with one spec per table, the extra
    tables reported (row count, schema) before the asset's own, which comes last.
    """
    from csenet_dagster.redact import masked

    if not also_writes:
        asset = dg.asset(
            key=key(table),
            group_name=group,
            description=description,
            deps=[key(d) if isinstance(d, str) else d for d in deps],
            kinds=set(kinds),
            owners=OWNERS,
            pool=db.DUCKDB_POOL,
            **kwargs,
        )
    else:
        asset = _stage_multi_asset(table, group, description, deps, kinds, also_writes, **kwargs)
    return lambda fn: asset(masked(key(table).to_user_string())(fn))


def _stage_multi_asset(
    table: str,
    group: str,
    description: str,
    deps: Sequence[str | dg.AssetKey],
    kinds: Sequence[str],
    also_writes: Mapping[str, str],
    **kwargs: Any,
):
    dep_keys = [key(d) if isinstance(d, str) else d for d in deps]

    def spec(name: str, text: str) -> dg.AssetSpec:
        return dg.AssetSpec(key(name), deps=dep_keys, description=text, group_name=group, owners=OWNERS,
                            kinds=set(kinds))

    specs = [spec(table, description), *(spec(name, f"{text} (written by {key(table).to_user_string()})")
                                         for name, text in also_writes.items())]

    def decorate(fn: Callable[..., dg.MaterializeResult]):
        def write_tables(*args: Any, **kwargs: Any):
            result = fn(*args, **kwargs)
            with kwargs["duckdb"].get_connection() as conn:
                for name in also_writes:
                    yield dg.MaterializeResult(asset_key=key(name), metadata=table_metadata(conn, name))
            yield dg.MaterializeResult(asset_key=key(table), metadata=result.metadata if result else None)

        # Dagster reads the parameters (context, config, resources) from the signature: the asset's own.
        write_tables.__signature__ = inspect.signature(fn).replace(return_annotation=inspect.Signature.empty)
        write_tables.__doc__ = fn.__doc__
        return dg.multi_asset(specs=specs, name=key(table).to_python_identifier(), pool=db.DUCKDB_POOL,
                              **kwargs)(write_tables)

    return decorate

