"""What a scan would run and what its store already holds, without running or writing
anything (``vlmtrust run plan.toml --dry-run``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.console import Console

from vlmtrust.core.config import RunConfig
from vlmtrust.runner.applies import report_not_run
from vlmtrust.runner.run import Cell, attach_store, prepare
from vlmtrust.store import ResultStore
from vlmtrust.store.sqlite import STORE_FILE


@dataclass(frozen=True)
class PreviewRow:
    """One model x task x mitigation variant: sample results to run and already stored (over
    all the task's conditions)."""

    model: str
    task: str
    mitigation: str
    to_run: int
    stored: int


def preview(config: RunConfig, console: Console) -> list[PreviewRow]:
    """Plan the scan as ``run`` would and count its stored results; the store, if there is
    one, is read without writing a byte beside it, and a missing one is not created."""
    prepared = prepare(config, console)
    report_not_run(prepared.not_run, console)  # as the scan would say: variants left out
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    if (config.out / STORE_FILE).is_file():
        with ResultStore(config.out / STORE_FILE, mode="read", untouched=True) as store:
            attach_store(prepared.cells, store)  # samples left in the store read it
            _count(prepared.cells, store.stored_keys, counts)
    else:
        _count(prepared.cells, lambda _: set(), counts)
    name = prepared.handle.name
    return [PreviewRow(name, task, variant, c[0], c[1]) for (task, variant), c in counts.items()]


def _count(
    cells: Sequence[Cell],
    stored_keys: Callable[[Sequence[str]], set[str]],
    counts: dict[tuple[str, str], list[int]],
) -> None:
    """Add each cell's results to run and stored to ``counts`` (by task and variant)."""
    for cell in cells:
        keys = list(cell.keys)
        done = len(stored_keys(keys))
        count = counts[cell.task.label, cell.variant_label]
        count[0] += len(keys) - done
        count[1] += done
