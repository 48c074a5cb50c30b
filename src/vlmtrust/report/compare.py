"""Several runs side by side: rows aligned by (task, attack, mitigation, metric), each later
run's value as a delta from the first run (the reference), and whether the 95% intervals
separate. The comparison lists the rows at least two runs share (a row missing from one of them
shows an empty cell); rows only one run has stay in that run's task sections, so nothing is
dropped from the report, and the comparison says how many there are."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vlmtrust.core.records import MetricRow
from vlmtrust.report.rows import RunRows

Key = tuple[str, str, str, str]


@dataclass(frozen=True)
class Aligned:
    key: Key
    cells: tuple[MetricRow | None, ...]

    def delta(self, index: int) -> float | None:
        """Run ``index`` minus the reference run (the first), when both have a value."""
        ref, other = self.cells[0], self.cells[index]
        if ref is None or other is None or ref.value is None or other.value is None:
            return None
        return other.value - ref.value

    def separates(self, index: int) -> bool | None:
        ref, other = self.cells[0], self.cells[index]
        if ref is None or other is None:
            return None
        return intervals_separate(ref, other)


def run_label(run: RunRows) -> str:
    return f"{run.model_name} ({run.run_dir})"


def align(runs: list[RunRows]) -> list[Aligned]:
    keys: dict[Key, None] = {}
    by_run: list[dict[Key, MetricRow]] = []
    for run in runs:
        mine = {(r.task, r.attack, r.mitigation, r.metric): r for r in run.rows}
        by_run.append(mine)
        keys.update(dict.fromkeys(mine))
    return [Aligned(key, tuple(m.get(key) for m in by_run)) for key in keys]


def shared(runs: list[RunRows]) -> tuple[list[Aligned], int]:
    """Aligned rows present in at least two runs, and how many rows only one run has."""
    items = align(runs)
    common = [i for i in items if sum(c is not None for c in i.cells) >= 2]
    return common, len(items) - len(common)


def comparison_json(runs: list[RunRows]) -> list[dict[str, Any]]:
    """The comparison as plain rows for ``--format json`` (documented in the schema)."""
    labels = [run_label(r) for r in runs]
    out = []
    for item in shared(runs)[0]:
        task, attack, mitigation, metric = item.key
        out.append(
            {
                "task": task,
                "attack": attack,
                "mitigation": mitigation,
                "metric": metric,
                "runs": [
                    None
                    if cell is None
                    else {
                        "run": labels[i],
                        "value": cell.value,
                        "ci_low": cell.ci_low,
                        "ci_high": cell.ci_high,
                        "n": cell.n,
                        "delta": item.delta(i) if i else None,
                        "separates": item.separates(i) if i else None,
                    }
                    for i, cell in enumerate(item.cells)
                ],
            }
        )
    return out


def intervals_separate(a: MetricRow, b: MetricRow) -> bool:
    """True when the two 95% intervals do not overlap (``Estimate.separates_from`` on rows;
    not imported from metrics.rates, which would pull scipy into every report)."""
    if a.ci_low is None or a.ci_high is None or b.ci_low is None or b.ci_high is None:
        return False
    return a.ci_low > b.ci_high or b.ci_low > a.ci_high
