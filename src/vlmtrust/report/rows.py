"""Load what a report shows: per run directory, the run header, its metric rows, and the
provenance, unscorable counts and gallery examples the HTML report adds."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vlmtrust.core.records import MetricRow
from vlmtrust.store import ResultStore, StoredExample, UnscorableCount


@dataclass(frozen=True)
class RunRows:
    run_dir: Path
    header: dict[str, Any]
    rows: list[MetricRow]
    history: list[dict[str, Any]] = field(default_factory=list)
    unscorable: list[UnscorableCount] = field(default_factory=list)
    result_counts: dict[str, int] = field(default_factory=dict)
    examples: list[StoredExample] = field(default_factory=list)

    @property
    def model_name(self) -> str:
        return str(self.header.get("model", {}).get("name", "?"))


def load_runs(run_dirs: list[Path], with_evidence: bool = False) -> list[RunRows]:
    """Read each store once; ``with_evidence`` adds what only the HTML report shows."""
    runs: list[RunRows] = []
    for run_dir in run_dirs:
        with ResultStore.open_existing(run_dir) as store:
            header, rows = store.latest_header() or {}, store.metrics()
            if not with_evidence:
                runs.append(RunRows(run_dir, header, rows))
                continue
            runs.append(
                RunRows(
                    run_dir,
                    header,
                    rows,
                    history=store.runs(),
                    unscorable=store.unscorable_counts(),
                    result_counts=store.result_counts(),
                    examples=store.examples(),
                )
            )
    return runs
