"""Group-wise declared metrics (the shape of Fairlearn's ``MetricFrame``: ``by_group``,
``difference``), and the hooks that let a task's own statistics be stamped by the framework.

- :func:`group_breakdown`: one estimator over all scores with every group's estimate in
  ``details["by_group"]``, the worst group's row and the best-minus-worst gap;
- :func:`best_worst_gap`, :func:`proportion`, :func:`flag_rate`: the pieces tasks combine;
- :func:`two_sample_bootstrap` and :func:`bootstrap_within_groups`: resampling that keeps the
  groups apart (each group resampled on its own, as the groups are sampled on their own);
- :func:`restamped`: rows another module builds (a judge's calibration), stamped by
  :func:`vlmtrust.metrics.declared.metric_rows` like every other (a task's own statistic of
  each condition is :func:`vlmtrust.metrics.declared.per_condition`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from vlmtrust.core.records import MetricRow, Score
from vlmtrust.metrics.declared import (
    Computed,
    Declared,
    Estimator,
    Scores,
    _of,
    _summary,
    per_group_estimates,
)
from vlmtrust.metrics.paired import PairedTerms, statistic_terms
from vlmtrust.metrics.rates import DEFAULT_RESAMPLES, Estimate, difference, wilson
from vlmtrust.metrics.rates import rate as wilson_rate


def proportion(hits: int, n: int) -> Estimate:
    """``hits / n`` with a Wilson 95% interval; no value when ``n`` is 0."""
    if n == 0:
        return Estimate(None, None, None, 0)
    return Estimate(hits / n, *wilson(hits, n), n)


def flag_rate(scores: Sequence[Score], flag: Callable[[Score], bool]) -> Estimate:
    """Share of the scorable scores for which ``flag`` holds (Wilson); unscorable ones are
    counted apart, as :func:`vlmtrust.metrics.rates.rate` does."""
    return wilson_rate(
        [s if s.unscorable else s.model_copy(update={"value": float(flag(s))}) for s in scores]
    )


#: an estimate as a details entry, with its n (declared.py's, for tasks to use)
summary = _summary


def interval(estimate: Estimate) -> dict[str, float | int | None]:
    """An estimate as a details entry (a breakdown such as ``by_query``), with its n so the
    report can say how many samples each bar rests on."""
    return {
        "value": estimate.value,
        "ci_low": estimate.ci_low,
        "ci_high": estimate.ci_high,
        "n": estimate.n,
    }


def best_worst_gap(per_group: Mapping[str, Estimate]) -> tuple[str, str, Estimate]:
    """The best and the worst group (the first in order on ties; no value counts as 0) and
    best minus worst with Newcombe's interval."""
    best = max(per_group, key=lambda g: per_group[g].value or 0.0)
    worst = min(per_group, key=lambda g: per_group[g].value or 0.0)
    return best, worst, difference(per_group[best], per_group[worst])


@dataclass(frozen=True)
class GroupBreakdown(Declared):
    """``of`` over all scores of a condition, every group's estimate (groups: the values of
    ``score.details[key]``) in ``details["by_group"]``; with two or more groups, also the worst
    group's estimate (``worst``) and best minus worst (``gap``). Every row counts all the
    condition's unscorable scores, whichever group it is about."""

    of: Estimator
    key: str
    worst: str
    gap: str
    name: str

    def compute(self, scores: Scores) -> list[Computed]:
        out: list[Computed] = []
        for attack, found in scores.items():
            mine = _of(found, self.of.score_metric)
            overall = self.of.estimate(mine)
            per_group = per_group_estimates(self.of, mine, self.key)
            by_group = {"by_group": {g: summary(e) for g, e in per_group.items()}}
            out.append(Computed(attack, self.of.name, overall, by_group))
            if len(per_group) < 2:
                continue
            best, worst, gap = best_worst_gap(per_group)
            skipped = overall.n_unscorable
            out += [
                Computed(
                    attack,
                    self.worst,
                    replace(per_group[worst], n_unscorable=skipped),
                    {"group": worst, **by_group},
                ),
                Computed(
                    attack,
                    self.gap,
                    replace(gap, n_unscorable=skipped),
                    {"best": best, "worst": worst, **by_group},
                ),
            ]
        return out

    def terms(self, scores: Scores) -> dict[tuple[str, str], PairedTerms]:
        """The overall row's terms; for the worst-group and gap rows (a minimum and a range of
        group means, no mean of terms) each sample's term with its group as the label, for a
        paired bootstrap: only where every group has a scorable term, as the rows need."""
        out: dict[tuple[str, str], PairedTerms] = {}
        for attack, found in scores.items():
            mine = _of(found, self.of.score_metric)
            overall = self.of.terms_of(mine)
            if overall is None:
                continue
            out[attack, self.of.name] = overall
            groups = sorted({str(s.details[self.key]) for s in mine if self.key in s.details})
            group_of = {
                s.sample_id: float(groups.index(str(s.details[self.key])))
                for s in mine
                if self.key in s.details and s.sample_id in overall.values
            }
            if len(groups) < 2 or set(group_of.values()) != set(map(float, range(len(groups)))):
                continue
            values = {i: overall.values[i] for i in group_of}
            out[attack, self.worst] = statistic_terms("worst", values, group_of)
            out[attack, self.gap] = statistic_terms("range", values, group_of)
        return out


def group_breakdown(
    of: Estimator, key: str = "group", worst: str | None = None, gap: str | None = None
) -> GroupBreakdown:
    """Rows ``NAME`` (with ``by_group``), ``worst_group_NAME`` and ``NAME_gap``."""
    return GroupBreakdown(
        of, key, worst or f"worst_group_{of.name}", gap or f"{of.name}_gap", of.name
    )


def two_sample_bootstrap(
    a: np.ndarray,
    b: np.ndarray,
    statistic: Callable[[np.ndarray, np.ndarray], float],
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> np.ndarray:
    """``statistic`` of each of ``resamples`` resamples that draw group ``a`` and group ``b``
    apart, with replacement (one seeded stream, ``a`` then ``b`` in every resample)."""
    rng = np.random.default_rng(seed)
    return np.array(
        [
            statistic(a[rng.integers(0, len(a), len(a))], b[rng.integers(0, len(b), len(b))])
            for _ in range(resamples)
        ]
    )


def bootstrap_within_groups(
    groups: np.ndarray,
    statistic: Callable[[np.ndarray], Sequence[float]],
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> np.ndarray:
    """(resamples x statistics) replicates of ``statistic(indices)`` over resamples that keep
    each group's size (stratified by ``groups``, in sorted group order)."""
    rng = np.random.default_rng(seed)
    members = [np.flatnonzero(groups == g) for g in np.unique(groups)]
    return np.array(
        [
            statistic(np.concatenate([rng.choice(m, size=len(m)) for m in members]))
            for _ in range(resamples)
        ]
    )


@dataclass(frozen=True)
class Restamped(Declared):
    """Rows another module builds for any scan (a judge's calibration on its shipped set), taken
    as they are and stamped again by the framework, once whatever the conditions."""

    rows: Callable[[], Sequence[MetricRow]]
    name: str = "restamped"

    def compute(self, scores: Scores) -> list[Computed]:
        return [
            Computed(
                r.attack,
                r.metric,
                Estimate(r.value, r.ci_low, r.ci_high, r.n),
                r.details,
                unscorable=False,
            )
            for r in self.rows()
        ]


def restamped(rows: Callable[[], Sequence[MetricRow]]) -> Restamped:
    return Restamped(rows)
