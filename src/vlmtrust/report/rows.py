"""Load what a report shows: per run directory, the run header and its metric rows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vlmtrust.core.records import MetricRow
from vlmtrust.store import ResultStore


@dataclass(frozen=True)
class RunRows:
    run_dir: Path
    header: dict[str, Any]
    rows: list[MetricRow]


def load_runs(run_dirs: list[Path]) -> list[RunRows]:
    runs: list[RunRows] = []
    for run_dir in run_dirs:
        with ResultStore.open_existing(run_dir) as store:
            runs.append(RunRows(run_dir, store.latest_header() or {}, store.metrics()))
    return runs
