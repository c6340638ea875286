"""Deliveries processed once: the ledger of published deliveries, ``deliveries.json``.

Every published run (whatever started it: CLI, sensor, UI) records its delivery
id and manifest digest in ``$CSENET_WAREHOUSE_DIR/deliveries.json`` just before
its files are switched in. The delivery sensor reads it (it cannot open
work.duckdb while a run holds it), so a delivery published by `csenet run` is
not refreshed again when the UI starts; ingest reads it to refuse a delivery id
re-sent with different content.

Choice (docs/operations.md): a delivery id names one snapshot for ever. The same
id with a different manifest is refused with an error that says so; the force
re-sends corrected data under a new delivery id. Re-running the *same* delivery
(same manifest digest) by hand is allowed (it gives the same tables).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from csenet_dagster import settings

LEDGER = "deliveries.json"


@dataclass(frozen=True)
class Processed:
    delivery_id: str
    manifest_sha256: str
    run_id: str
    trigger: str
    published_at: str


def ledger_path() -> Path:
    return settings.paths().warehouse_dir / LEDGER


def processed() -> dict[str, Processed]:
    """Published deliveries by id (empty when nothing was published yet)."""
    path = ledger_path()
    if not path.is_file():
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuntimeError(f"{path} cannot be read as the delivery ledger ({type(exc).__name__})") from None
    return {key: Processed(**entry) for key, entry in doc.get("deliveries", {}).items()}


def record(entry: Processed) -> None:
    """Add (or confirm) ``entry``; written owner-only to a temporary file and renamed."""
    entries = processed()
    entries[entry.delivery_id] = entry
    doc = {"deliveries": {k: vars(v) for k, v in sorted(entries.items())}}
    path = ledger_path()
    temp = path.with_name(f".{path.name}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(doc, handle, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


def resent_with_other_content(delivery_id: str, manifest_sha256: str) -> Processed | None:
    """The earlier processing of ``delivery_id`` when its manifest differed, else None."""
    earlier = processed().get(delivery_id)
    if earlier is not None and earlier.manifest_sha256 != manifest_sha256:
        return earlier
    return None


def refusal(delivery_id: str, manifest_sha256: str, earlier: Processed) -> str:
    return (
        f"delivery {delivery_id}: rule delivery_id_reused: this delivery id was already published by run "
        f"{earlier.run_id} ({earlier.trigger}, {earlier.published_at}) with manifest sha256 "
        f"{earlier.manifest_sha256[:12]}..., and has been re-sent with different content (manifest sha256 "
        f"{manifest_sha256[:12]}...): refused. A corrected delivery must come under a new delivery id."
    )
