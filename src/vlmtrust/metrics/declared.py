"""Metrics a task declares instead of building rows by hand (the shape of Inspect AI's
``@scorer(metrics=[accuracy(), stderr()])`` and ``grouped(metric, key)``, and of Fairlearn's
``MetricFrame.by_group``).

A task scores samples; it lists what to compute from those scores::

    metrics = (rate("correct", "accuracy"), drop_from_clean(rate("correct", "accuracy")),
               by_group(rate("correct", "accuracy"), key="group"))

and :func:`metric_rows` computes each per condition and stamps task, attack, mitigation and
model on every row in one place. Every estimate carries its n, its 95% interval and how many
scores were unscorable (``details["n_unscorable"]``); unscorable scores are never counted.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vlmtrust.core.records import MetricRow, Score
from vlmtrust.metrics.rates import (
    DEFAULT_RESAMPLES,
    Estimate,
    difference,
    percentile_interval,
)
from vlmtrust.metrics.rates import rate as wilson_rate

#: the attack label of the clean condition
CLEAN = "none"
Scores = Mapping[str, Sequence[Score]]


@dataclass(frozen=True)
class Computed:
    """One estimate of one metric under one condition, with what its row adds to details."""

    attack: str
    metric: str
    estimate: Estimate
    details: dict[str, Any] = field(default_factory=dict)


class Declared(ABC):
    """A metric a task declares: a name, and how to estimate it from the task's scores."""

    name: str

    @abstractmethod
    def compute(self, scores: Scores) -> list[Computed]:
        """Estimates from scores keyed by attack label (one per condition, or fewer)."""


def _of(scores: Sequence[Score], score_metric: str) -> list[Score]:
    return [s for s in scores if s.metric == score_metric]


@dataclass(frozen=True)
class Estimator(Declared):
    """A per-condition estimate of one kind of score (``rate``, ``mean``)."""

    score_metric: str
    name: str
    estimate: Callable[[Sequence[Score]], Estimate]

    def compute(self, scores: Scores) -> list[Computed]:
        return [
            Computed(attack, self.name, self.estimate(_of(found, self.score_metric)))
            for attack, found in scores.items()
        ]


def rate(score_metric: str, name: str | None = None) -> Estimator:
    """Share of 0/1 scores equal to 1, with a Wilson 95% interval."""
    return Estimator(score_metric, name or score_metric, wilson_rate)


def mean(
    score_metric: str, name: str | None = None, resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> Estimator:
    """Mean of the scores' values with a percentile-bootstrap 95% interval (seeded)."""

    def estimate(scores: Sequence[Score]) -> Estimate:
        values = np.array([s.value for s in scores if not s.unscorable], dtype=np.float64)
        skipped = len(scores) - len(values)
        if not len(values):
            return Estimate(None, None, None, 0, skipped)
        draws = np.random.default_rng(seed).integers(0, len(values), (resamples, len(values)))
        low, high = percentile_interval(values[draws].mean(axis=1))
        return Estimate(float(values.mean()), low, high, len(values), skipped)

    return Estimator(score_metric, name or score_metric, estimate)


@dataclass(frozen=True)
class DropFromClean(Declared):
    """Clean minus attacked, for every attacked condition (Newcombe's interval for rates)."""

    of: Estimator
    name: str

    def compute(self, scores: Scores) -> list[Computed]:
        clean = scores.get(CLEAN)
        if not clean:
            return []
        before = self.of.estimate(_of(clean, self.of.score_metric))
        return [
            Computed(
                attack,
                self.name,
                difference(before, self.of.estimate(_of(found, self.of.score_metric))),
            )
            for attack, found in scores.items()
            if attack != CLEAN
        ]


def drop_from_clean(of: Estimator, name: str | None = None) -> DropFromClean:
    return DropFromClean(of, name or f"{of.name}_drop")


@dataclass(frozen=True)
class ByGroup(Declared):
    """``of`` per value of ``score.details[key]``: one row per group, named ``NAME[group=G]``
    (what the report draws as per-group bars), plus the groups' spread in the overall row."""

    of: Estimator
    key: str
    name: str

    def compute(self, scores: Scores) -> list[Computed]:
        out: list[Computed] = []
        for attack, found in scores.items():
            mine = _of(found, self.of.score_metric)
            groups = sorted({str(s.details[self.key]) for s in mine if self.key in s.details})
            per_group = {
                g: self.of.estimate([s for s in mine if str(s.details.get(self.key)) == g])
                for g in groups
            }
            for group, estimate in per_group.items():
                out.append(Computed(attack, f"{self.name}[group={group}]", estimate))
            scored = {g: e for g, e in per_group.items() if e.value is not None}
            if len(scored) >= 2:
                best = max(scored, key=lambda g: scored[g].value or 0.0)
                worst = min(scored, key=lambda g: scored[g].value or 0.0)
                details = {
                    "best": best,
                    "worst": worst,
                    "by_group": {g: _summary(e) for g, e in per_group.items()},
                }
                gap = difference(scored[best], scored[worst])  # MOVER: any two 95% intervals
                out.append(Computed(attack, f"{self.name}_gap", gap, details))
        return out


def by_group(of: Estimator, key: str = "group", name: str | None = None) -> ByGroup:
    return ByGroup(of, key, name or of.name)


def _summary(estimate: Estimate) -> dict[str, Any]:
    return {
        "value": estimate.value,
        "ci_low": estimate.ci_low,
        "ci_high": estimate.ci_high,
        "n": estimate.n,
    }


def metric_rows(
    declared: Sequence[Declared],
    scores: Scores,
    *,
    task: str,
    mitigation: str,
    model: str,
    details: Mapping[str, Any] | None = None,
) -> list[MetricRow]:
    """Every declared metric's rows, stamped in one place: task, attack, mitigation, model,
    the task's shared ``details`` and the estimate's ``n_unscorable``."""
    shared = dict(details or {})
    return [
        c.estimate.as_row(
            task=task,
            attack=c.attack,
            mitigation=mitigation,
            metric=c.metric,
            model=model,
            details={**shared, **c.details, "n_unscorable": c.estimate.n_unscorable},
        )
        for metric in declared
        for c in metric.compute(scores)
    ]
