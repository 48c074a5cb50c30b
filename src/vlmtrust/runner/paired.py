"""Paired before -> after tests of a run's mitigated variants (``metrics.paired``): each
variant's rows are compared with the baseline's on the same samples, and the p-values of one
variant's comparison are Holm-adjusted together, so a report marks a change as real only when
the paired test says so."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from vlmtrust.core.records import Score
from vlmtrust.metrics.paired import PairedChange, holm, paired_change
from vlmtrust.tasks.base import Task

#: the variant every other is compared with
BASELINE = "none"


def paired_details(
    grouped: Mapping[tuple[int, str], Mapping[str, Sequence[Score]]], tasks: Mapping[int, Task]
) -> dict[tuple[int, str, str, str], dict[str, Any]]:
    """Each mitigated variant's change from the baseline on the same samples, per (task,
    variant, attack, metric) row whose metric has per-sample terms; Holm-adjusted over all
    the rows of one variant's comparison."""
    changes: dict[str, dict[tuple[int, str, str, str], PairedChange]] = defaultdict(dict)
    for (task_id, variant), by_attack in grouped.items():
        baseline = grouped.get((task_id, BASELINE))
        if variant == BASELINE or baseline is None:
            continue
        before = tasks[task_id].paired_terms(baseline)
        after = tasks[task_id].paired_terms(by_attack)
        for attack, metric in sorted(before.keys() & after.keys()):
            change = paired_change(before[attack, metric], after[attack, metric])
            if change is not None:
                changes[variant][task_id, variant, attack, metric] = change
    out: dict[tuple[int, str, str, str], dict[str, Any]] = {}
    for found in changes.values():
        keys = list(found)
        for key, p_holm in zip(keys, holm([found[k].p_value for k in keys]), strict=True):
            out[key] = found[key].as_details(p_holm)
    return out
