"""Rates with their sample count and a 95% interval; unscorable judgements are left out.

Wilson intervals (not the normal approximation) because zoo rates sit near 0 and 1, where the
normal interval collapses to a point or leaves [0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vlmtrust.core.records import MetricRow, Score
from vlmtrust.metrics.power import with_bootstrap_note


@dataclass(frozen=True)
class Resampled:
    """How many independent units a bootstrap interval resampled (when groups are resampled
    apart, the smallest group's count) and what they are: too few make the interval
    untrustworthy (:mod:`vlmtrust.metrics.power`)."""

    units: int
    unit: str = "samples"


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its 95% interval, the n it rests on, and what was left out."""

    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    n_unscorable: int = 0
    #: set where the interval is a bootstrap: over what it resampled (not part of equality:
    #: it describes the interval, it is not a number of the estimate)
    resampled: Resampled | None = field(default=None, compare=False)

    def as_row(
        self,
        *,
        task: str,
        attack: str,
        mitigation: str,
        metric: str,
        model: str,
        details: dict[str, Any],
    ) -> MetricRow:
        """The stable result row of this estimate; an interval bootstrapped over too few units
        says so in ``details.underpowered``."""
        if self.resampled is not None and self.ci_low is not None:
            details = with_bootstrap_note(details, self.resampled.units, self.resampled.unit)
        return MetricRow(
            task=task,
            attack=attack,
            mitigation=mitigation,
            metric=metric,
            value=self.value,
            ci_low=self.ci_low,
            ci_high=self.ci_high,
            n=self.n,
            model=model,
            details=details,
        )

    def separates_from(self, other: Estimate) -> bool:
        """True when the two 95% intervals do not overlap."""
        if None in (self.ci_low, self.ci_high, other.ci_low, other.ci_high):
            return False
        assert self.ci_low is not None and self.ci_high is not None
        assert other.ci_low is not None and other.ci_high is not None
        return self.ci_low > other.ci_high or other.ci_low > self.ci_high


#: every interval vlmtrust reports is a 95% interval; bootstraps draw this many resamples
CONFIDENCE = 0.95
DEFAULT_RESAMPLES = 1000


def percentile_interval(values: np.ndarray) -> tuple[float, float]:
    """The central 95% of bootstrap replicates (the percentile method)."""
    tail = 100 * (1 - CONFIDENCE) / 2
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


#: the two-sided 95% normal quantile, ``scipy.special.ndtri(0.975)`` to the last bit
Z95 = 1.959963984540054


def wilson(successes: int, n: int) -> tuple[float, float]:
    """Wilson score 95% interval for a binomial proportion (Newcombe 1998), computed as
    ``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")`` does, operation for
    operation (tested equal to the bit), without importing scipy.stats (0.9 s per process)."""
    if n < 1 or not 0 <= successes <= n:
        raise ValueError(f"wilson({successes}, {n}): need 0 <= successes <= n and n >= 1")
    p = successes / n
    denom = 2 * (n + Z95**2)
    center = (2 * n * p + Z95**2) / denom
    q = 1 - p
    delta = Z95 / denom * math.sqrt(4 * n * p * q + Z95**2)
    low = 0.0 if successes == 0 else center - delta
    high = 1.0 if successes == n else center + delta
    return float(low), float(high)


def rate(scores: Sequence[Score]) -> Estimate:
    """Share of scorable scores with value 1 (values must be 0 or 1)."""
    scorable = [s for s in scores if not s.unscorable]
    skipped = len(scores) - len(scorable)
    if not scorable:
        return Estimate(None, None, None, 0, skipped)
    hits = 0
    for s in scorable:
        if s.value not in (0.0, 1.0):
            raise ValueError(f"rate() needs 0/1 scores, got {s.value} for {s.sample_id}")
        hits += int(s.value == 1.0)
    low, high = wilson(hits, len(scorable))
    return Estimate(hits / len(scorable), low, high, len(scorable), skipped)


def accuracy(scores: Sequence[Score]) -> Estimate:
    """Share judged correct."""
    return rate(scores)


def difference(a: Estimate, b: Estimate) -> Estimate:
    """a - b for two proportions with Newcombe's hybrid score interval (method 10), built from
    the two Wilson intervals. Treats the samples as independent, which for paired clean/attacked
    samples makes the interval conservative (wider), never falsely narrow."""
    if a.value is None or b.value is None:
        return Estimate(None, None, None, min(a.n, b.n), a.n_unscorable + b.n_unscorable)
    assert a.ci_low is not None and a.ci_high is not None
    assert b.ci_low is not None and b.ci_high is not None
    diff = a.value - b.value
    low = diff - math.sqrt((a.value - a.ci_low) ** 2 + (b.ci_high - b.value) ** 2)
    high = diff + math.sqrt((a.ci_high - a.value) ** 2 + (b.value - b.ci_low) ** 2)
    unscorable = a.n_unscorable + b.n_unscorable
    return Estimate(diff, max(-1.0, low), min(1.0, high), min(a.n, b.n), unscorable)


def accuracy_drop(clean: Sequence[Score], attacked: Sequence[Score]) -> Estimate:
    """Clean accuracy minus attacked accuracy: how much the attack costs."""
    return difference(accuracy(clean), accuracy(attacked))


def per_group_fpr(
    labels: Sequence[bool], verdicts: Sequence[bool | None], groups: Sequence[str | None]
) -> dict[str, Estimate]:
    """False-positive rate per group: the share of a group's negative items (``labels`` False)
    that the judge called positive, with n and a Wilson 95% interval. It shows a judge that
    over-filters text about one group (e.g. an identity named in a benign sentence). Undecided
    verdicts (None) are left out and counted in ``n_unscorable``; items without a group are
    skipped; a group with no decided negative item has value None. Groups come sorted."""
    hits: dict[str, int] = {}
    decided: dict[str, int] = {}
    undecided: dict[str, int] = {}
    for truth, call, group in zip(labels, verdicts, groups, strict=True):
        if group is None:
            continue
        for counts in (hits, decided, undecided):
            counts.setdefault(group, 0)
        if truth:
            continue
        if call is None:
            undecided[group] += 1
            continue
        decided[group] += 1
        hits[group] += int(call)
    out = {}
    for group in sorted(decided):
        n, k = decided[group], hits[group]
        if not n:
            out[group] = Estimate(None, None, None, 0, undecided[group])
            continue
        low, high = wilson(k, n)
        out[group] = Estimate(k / n, low, high, n, undecided[group])
    return out
