"""Whether a task has the samples its statistics need, checked once its samples are drawn and
before anything runs: a total (``Task.minimum_samples``) and a count per group
(``Task.minimum_per_group``). Each shortfall is warned once per task and marked on the rows it
weakens, as ``details.underpowered`` = {n_samples, minimum, why, fix} (a group's shortfall also
names the group and its key), so a number computed from too little data never passes for one
that is not. Values and intervals are left as computed."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from vlmtrust.core.records import MetricRow, Sample
from vlmtrust.tasks.base import GroupMinimum, Task


@dataclass(frozen=True)
class Shortfall:
    """Rows whose metric matches one of ``rows`` (``*`` a wildcard) say ``note``."""

    rows: tuple[str, ...]
    note: Mapping[str, Any]

    def weakens(self, metric: str) -> bool:
        return any(_matches(metric, pattern) for pattern in self.rows)


@dataclass(frozen=True)
class Power:
    """What one task's samples fall short of: the shortfalls, first match wins, and the
    warnings to print once."""

    task: str
    shortfalls: tuple[Shortfall, ...] = ()
    warnings: tuple[str, ...] = ()

    def mark(self, rows: Sequence[MetricRow]) -> list[MetricRow]:
        """Every row a shortfall weakens says so (over an interval's own bootstrap note: too
        few samples is the cause, and the fix, upstream of it)."""
        out = []
        for row in rows:
            found = next((s for s in self.shortfalls if s.weakens(row.metric)), None)
            if found is not None:
                details = {**row.details, "underpowered": dict(found.note)}
                row = row.model_copy(update={"details": details})
            out.append(row)
        return out


def assess(task: Task, samples: Sequence[Sample], limit: int | None) -> Power:
    """The task's shortfalls on these samples, total first, then each group declaration's."""
    name = task.label
    shortfalls: list[Shortfall] = []
    warnings: list[str] = []
    total = underpowered(task, len(samples), limit)
    if total is not None:
        shortfalls.append(Shortfall(("*",), total))
        warnings.append(
            f"task {name}: {total['n_samples']} samples, but {total['why']}; its rows are "
            f"marked underpowered ({total['fix']})"
        )
    for minimum in task.minimum_per_group():
        found = _group_shortfalls(minimum, samples, limit)
        if found:
            shortfalls += found[0]
            warnings.append(f"task {name}: {found[1]}")
    return Power(name, tuple(shortfalls), tuple(warnings))


def underpowered(task: Task, n: int, limit: int | None) -> dict[str, Any] | None:
    """What a row of ``task`` says when ``n`` samples are fewer than its statistic needs."""
    minimum = task.minimum_samples()
    if minimum is None or n >= minimum.samples:
        return None
    fix = (
        f"raise --limit to {minimum.samples} or more"
        if limit is not None and limit < minimum.samples
        else f"give it at least {minimum.samples} samples"
    )
    return {"n_samples": n, "minimum": minimum.samples, "why": minimum.why, "fix": fix}


def group_counts(minimum: GroupMinimum, samples: Sequence[Sample]) -> Counter[str]:
    """Samples per group of ``minimum.key`` (those it checks), a sample without one in none."""
    counts: Counter[str] = Counter()
    for sample in samples:
        if minimum.group_of is not None:
            value: object = minimum.group_of(sample)
        else:
            value = (sample.groups if minimum.source == "groups" else sample.labels).get(
                minimum.key
            )
        if value is not None and (minimum.only is None or str(value) in minimum.only):
            counts[str(value)] += 1
    return counts


def _group_shortfalls(
    minimum: GroupMinimum, samples: Sequence[Sample], limit: int | None
) -> tuple[list[Shortfall], str] | None:
    """The shortfalls of the groups below ``minimum`` and the warning naming the smallest."""
    counts = group_counts(minimum, samples)
    small = {g: c for g, c in counts.items() if c < minimum.per_group}
    if not small:
        return None
    key, need = minimum.key, minimum.per_group
    fix = f"give every {key} at least {need} samples"
    if limit is not None:
        fix = f"raise --limit, or {fix}"

    def note(group: str) -> dict[str, Any]:
        return {
            "n_samples": small[group],
            "minimum": need,
            "why": minimum.why,
            "fix": fix,
            "group": group,
            "key": key,
        }

    smallest = min(small, key=lambda g: (small[g], g))
    shortfalls = []
    for pattern in minimum.rows:
        if "{group}" in pattern:
            for group in sorted(small):
                shortfalls.append(Shortfall((pattern.replace("{group}", group),), note(group)))
        else:
            shortfalls.append(Shortfall((pattern,), note(smallest)))
    warning = (
        f"its smallest {key} {smallest!r} has {small[smallest]} samples, below the {need} each "
        f"{key} needs ({len(small)} of {len(counts)} are short): {minimum.why}; rows "
        f"{', '.join(r.replace('{group}', f'<{key}>') for r in minimum.rows)} are marked "
        f"underpowered ({fix})"
    )
    return shortfalls, warning


def mark(rows: list[MetricRow], power: Power | None) -> list[MetricRow]:
    return rows if power is None else power.mark(rows)


def warn(powers: Iterable[Power | None], console: Console) -> None:
    """Each task's warnings, once however many conditions it has."""
    seen: set[str] = set()
    for power in powers:
        if power is None or power.task in seen:
            continue
        seen.add(power.task)
        for warning in power.warnings:
            console.print(f"[yellow]underpowered[/] {warning}", highlight=False)


def _matches(metric: str, pattern: str) -> bool:
    """Shell-style ``*`` only: metric names hold brackets and dots that fnmatch would read."""
    return re.fullmatch(".*".join(re.escape(p) for p in pattern.split("*")), metric) is not None
