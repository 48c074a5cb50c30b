"""Paired before -> after tests of a run's mitigated variants (``metrics.paired``): each
variant's rows are compared with the baseline's on the same samples, and the p-values of one
variant's comparison are Holm-adjusted together, so a report marks a change as real only when
the paired test says so."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from vlmtrust.core.records import Score
from vlmtrust.metrics.paired import PairedChange, PairedTerms, holm, paired_change
from vlmtrust.store import StoredTerms
from vlmtrust.tasks.base import Task

#: the variant every other is compared with
BASELINE = "none"


Terms = dict[tuple[str, str], PairedTerms]


def all_terms(
    grouped: Mapping[tuple[int, str], Mapping[str, Sequence[Score]]], tasks: Mapping[int, Task]
) -> dict[tuple[int, str], Terms]:
    """Per (task, variant), the per-sample terms of its rows, by (attack, metric)."""
    return {key: tasks[key[0]].paired_terms(by_attack) for key, by_attack in grouped.items()}


def paired_details(
    terms: Mapping[tuple[int, str], Terms],
) -> dict[tuple[int, str, str, str], dict[str, Any]]:
    """Each mitigated variant's change from the baseline on the same samples, per (task,
    variant, attack, metric) row whose metric has per-sample terms; Holm-adjusted over all
    the rows of one variant's comparison."""
    changes: dict[str, dict[tuple[int, str, str, str], PairedChange]] = defaultdict(dict)
    for (task_id, variant), after in terms.items():
        before = terms.get((task_id, BASELINE))
        if variant == BASELINE or before is None:
            continue
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


def stored_terms(
    terms: Mapping[tuple[int, str], Terms], tasks: Mapping[int, Task], model: str
) -> list[StoredTerms]:
    """The terms as the store keeps them, keyed like the metric rows. ``statistic`` terms
    (AUROC, ECE, a gap: a value and a label per sample) are left out: the store keeps one
    number per sample, so a later run is gated against such a row unpaired, as before."""
    return [
        StoredTerms(
            key=(tasks[task_id].label, attack, variant, metric, model),
            kind=made.kind,
            values=dict(made.values),
        )
        for (task_id, variant), found in terms.items()
        for (attack, metric), made in found.items()
        if made.kind != "statistic"
    ]
