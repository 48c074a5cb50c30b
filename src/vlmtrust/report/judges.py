"""Judge-calibration rows, shown once per task.

A row with ``attack="calibration"`` is a judge measuring itself on its labelled calibration set:
the model and its mitigation play no part, so a scan with three mitigations stores three
identical copies. Tables show one copy (the ``none`` one) unless the copies differ, in which
case every copy is kept and the table needs a mitigation column.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from vlmtrust.core.records import MetricRow

CALIBRATION = "calibration"


def is_judge_row(row: MetricRow) -> bool:
    """A judge's self-measurement: the same under every mitigation."""
    return row.attack == CALIBRATION and row.metric.startswith("judge.")


@dataclass(frozen=True)
class JudgeRows:
    """The rows a judge-calibration table shows, and whether copies differed by mitigation."""

    rows: list[MetricRow]
    by_mitigation: bool


def judge_rows(rows: Sequence[MetricRow]) -> JudgeRows:
    """One row per (task, model, metric), the ``none`` copy first; every copy when they differ."""
    copies: dict[tuple[str, str, str], list[MetricRow]] = defaultdict(list)
    for row in rows:
        if is_judge_row(row):
            copies[(row.task, row.model, row.metric)].append(row)
    shown: list[MetricRow] = []
    differ = False
    for group in copies.values():
        group = sorted(group, key=lambda r: (r.mitigation != "none", r.mitigation))
        if all(_same(group[0], other) for other in group[1:]):
            shown.append(group[0])
        else:
            differ = True
            shown.extend(group)
    return JudgeRows(shown, differ)


def _same(a: MetricRow, b: MetricRow) -> bool:
    return (a.value, a.ci_low, a.ci_high, a.n, a.details) == (
        b.value,
        b.ci_low,
        b.ci_high,
        b.n,
        b.details,
    )
