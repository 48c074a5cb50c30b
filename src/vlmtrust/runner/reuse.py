"""A fully cached re-run reuses the metric rows its previous run derived instead of fetching
every result and aggregating again.

The rows are reused only when nothing they were derived from can have changed: the same cells
(task spec and row name, variant, attack, the keys of every result, the power warning), the
same model, the same reviewers' labels, the same vlmtrust code (every module's source, so an
edited metric in a development checkout re-aggregates), and the store's newest other run is a
completed one that derived exactly these rows (so no scan of another plan has replaced them
since). Anything else re-aggregates as before.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from vlmtrust.core.records import MetricRow
from vlmtrust.core.spec import sha256_hex
from vlmtrust.models.base import ModelHandle
from vlmtrust.store import ResultStore

if TYPE_CHECKING:
    from vlmtrust.runner.run import Cell


@functools.cache
def code_fingerprint() -> str:
    """Every module of the installed vlmtrust (a few ms to read; once per process)."""
    root = Path(__file__).parents[1]  # the vlmtrust package
    return sha256_hex(
        *(
            sha256_hex(str(path.relative_to(root)), path.read_bytes().decode("utf-8", "replace"))
            for path in sorted(root.rglob("*.py"))
        )
    )


def aggregate_digest(cells: Sequence[Cell], handle: ModelHandle, store: ResultStore) -> str:
    """What a scan's metric rows are derived from (see the module)."""
    parts = [
        json.dumps(
            [
                cell.task.label,
                cell.task.spec.canonical(),
                cell.variant_label,
                cell.attack.spec.canonical(),
                cell.attack.label,
                getattr(cell.keys, "fingerprint", None) or keys_digest(cell.keys),
                cell.underpowered,
            ],
            sort_keys=True,
            default=str,
        )
        for cell in cells
    ]
    labels = sorted(h.model_dump_json() for h in store.human_labels().values())
    return sha256_hex(code_fingerprint(), handle.name, handle.fingerprint, *parts, *labels)


def keys_digest(keys: Iterable[str]) -> str:
    """``sha256_hex(*keys)``, read as the keys come (no tuple of every key of a large cell)."""
    h = hashlib.sha256()
    for key in keys:
        data = key.encode("utf-8")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def reusable_rows(store: ResultStore, run_id: str, digest: str) -> list[MetricRow] | None:
    """The rows the store's newest other run derived, where it completed with ``digest``."""
    others = [r for r in store.runs() if r["run_id"] != run_id]
    if not others or others[-1]["status"] != "complete":
        return None
    if others[-1]["summary"].get("aggregate_digest") != digest:
        return None
    return store.remembered_aggregate(digest)
