"""Paired before -> after statistics: the baseline and a mitigated variant are scored on the
same samples, so their change is judged sample by sample, not by whether two unpaired
intervals overlap (which ignores the pairing, and is far less sensitive).

A metric offers its per-sample terms (:class:`PairedTerms`: a 0/1 outcome or a number per
sample id); :func:`paired_change` matches the two sides by sample id and gives the mean
difference (after - before) with a paired percentile-bootstrap 95% interval and a two-sided
p-value: McNemar's exact test for 0/1 outcomes (the binomial test on the discordant pairs, as
``statsmodels``' ``mcnemar(exact=True)``), a sign-flip permutation test of the mean difference
for numbers (exact up to 2^16 flips, else seeded Monte Carlo). A metric that is no rate or mean
of per-sample terms offers a number and a label per sample and the name of its statistic
(:data:`STATISTICS`: AUROC, FPR95, ECE, the gap of two groups' means, the range or minimum of
several groups' means); its change gets a paired bootstrap (Koehn 2004): the shared sample ids
are resampled with replacement, stratified by their (before, after) labels so every side stays
present, the statistic is computed on both conditions' values of the SAME resampled ids, and
the p-value is :func:`bootstrap_p`, a Wald test with the resampled differences' standard
error. :func:`holm` adjusts the
p-values of one comparison's rows for their number (Holm 1979), so "real" means p_holm < 0.05.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

import numpy as np

from vlmtrust.metrics import detection
from vlmtrust.metrics.calibration import BINS, bin_index, bootstrap_interval, ece_rows
from vlmtrust.metrics.rates import DEFAULT_RESAMPLES, percentile_interval

Kind = Literal["binary", "continuous", "statistic"]
#: below this many pairs the sign-flip test enumerates every flip (2^16 = 65,536)
EXACT_FLIPS = 16
ALPHA = 0.05
#: the test name a statistic's change carries (``PairedChange.test``)
PAIRED_BOOTSTRAP = "paired bootstrap"


@dataclass(frozen=True)
class PairedTerms:
    """One condition's per-sample terms of a metric: a 0/1 outcome (``binary``: the metric is
    their rate), a number (``continuous``: the metric is their mean), or a number and a label
    (``statistic``: the metric is the named statistic of them, see :data:`STATISTICS`), by
    sample id. Build the last with :func:`statistic_terms`."""

    kind: Kind
    values: Mapping[str, float]
    #: statistic only: each sample's label (its side, group or correctness)
    labels: Mapping[str, float] = field(default_factory=dict)
    #: statistic only: its name in :data:`STATISTICS` (``ece:15``: with its parameter)
    statistic: str | None = None


@dataclass(frozen=True)
class PairedChange:
    """after - before over the samples both sides scored, with its paired test."""

    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    test: str
    n_pairs: int
    #: binary only: (1 before -> 0 after, 0 before -> 1 after)
    discordant: tuple[int, int] | None
    #: samples only one side could score (left out of the pairing)
    unpaired: int

    def as_details(self, p_holm: float) -> dict[str, Any]:
        return {
            "vs": "none",
            "difference": self.difference,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p_value": self.p_value,
            "p_holm": p_holm,
            "real": p_holm < ALPHA,
            "test": self.test,
            "n_pairs": self.n_pairs,
            "unpaired": self.unpaired,
            **({"discordant": list(self.discordant)} if self.discordant is not None else {}),
        }


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value from the discordant counts: twice the binomial(b + c,
    1/2) probability of at most min(b, c), capped at 1; computed in exact integers."""
    n, k = b + c, min(b, c)
    if n == 0:
        return 1.0
    tail = Fraction(sum(math.comb(n, i) for i in range(k + 1)), 2**n)
    return float(min(Fraction(1), 2 * tail))


def sign_flip_p(differences: np.ndarray, resamples: int = 10_000, seed: int = 0) -> float:
    """Two-sided p-value of a zero mean difference: the share of sign flips of the paired
    differences whose mean is at least as far from 0 as the observed one."""
    n = len(differences)
    observed = abs(float(differences.mean())) - 1e-12
    if n <= EXACT_FLIPS:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=n)))
        return float(np.mean(np.abs((signs * differences).mean(axis=1)) >= observed))
    rng = np.random.default_rng(seed)
    signs = rng.choice((1.0, -1.0), size=(resamples, n))
    hits = int(np.sum(np.abs((signs * differences).mean(axis=1)) >= observed))
    return (hits + 1) / (resamples + 1)


def paired_change(
    before: PairedTerms, after: PairedTerms, resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> PairedChange | None:
    """The paired change from ``before`` to ``after``; None when they are of different kinds
    or share fewer than two samples."""
    if before.kind != after.kind or before.statistic != after.statistic:
        return None
    ids = sorted(set(before.values) & set(after.values))
    unpaired = len(set(before.values) ^ set(after.values))
    if len(ids) < 2:
        return None
    if before.kind == "statistic":
        return _bootstrap_change(before, after, ids, unpaired, resamples, seed)
    old = np.array([before.values[i] for i in ids], dtype=np.float64)
    new = np.array([after.values[i] for i in ids], dtype=np.float64)
    change = new - old
    low, high = bootstrap_interval(len(ids), lambda i: change[i].mean(axis=1), resamples, seed)
    if before.kind == "binary":
        b, c = int(np.sum((old == 1) & (new == 0))), int(np.sum((old == 0) & (new == 1)))
        p, test, discordant = mcnemar_exact(b, c), "McNemar exact", (b, c)
    else:
        p, test, discordant = sign_flip_p(change, seed=seed), "sign-flip permutation", None
    return PairedChange(float(change.mean()), low, high, p, test, len(ids), discordant, unpaired)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment: the k-th smallest of m p-values times (m - k + 1), made
    monotone and capped at 1."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [0.0] * len(p_values)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def binary_terms(values: Mapping[str, float]) -> PairedTerms | None:
    """0/1 outcomes by sample id, or None when any value is not 0 or 1."""
    if any(v not in (0.0, 1.0) for v in values.values()):
        return None
    return PairedTerms("binary", dict(values))


# --------------------------------------------------------------------------- paired bootstrap

#: a statistic of per-sample values and labels: values one resample per row (resamples, n),
#: labels (n,), the same in every row (the resampling is stratified by label) -> one per row
Statistic = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _auroc(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """As ``robustness.ood``: label 1 = OOD, in-distribution (label 0) the positive class,
    a higher value = more in-distribution."""
    inside = labels == 0
    return detection.auroc_rows(values[:, inside], values[:, ~inside])


def _fpr95(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Share of OOD (label 1) values at or above the threshold keeping 95% of the others."""
    inside = labels == 0
    return detection.fpr_rows(values[:, inside], values[:, ~inside], detection.DEFAULT_TPR)


def _gap(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Mean value where the label is 1 minus mean value where it is 0."""
    one = labels == 1
    return np.asarray(values[:, one].mean(axis=1) - values[:, ~one].mean(axis=1))


def _group_means(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """(resamples, groups): each group's mean value, the groups being the distinct labels."""
    return np.stack([values[:, labels == g].mean(axis=1) for g in np.unique(labels)], axis=1)


def _range(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Best minus worst group mean (labels: group codes), whichever groups those are."""
    means = _group_means(values, labels)
    return np.asarray(means.max(axis=1) - means.min(axis=1))


def _worst(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The worst (lowest) group mean (labels: group codes)."""
    return np.asarray(_group_means(values, labels).min(axis=1))


def _ece(bins: int) -> Statistic:
    """ECE over ``bins`` equal-width bins: values = confidence, labels = correct (0/1)."""

    def ece(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
        hit = np.broadcast_to(labels, values.shape)
        return ece_rows(bin_index(values, bins), values, hit, bins)

    return ece


#: which labels a statistic needs among the samples to have a value
Needs = Callable[[np.ndarray], bool]


def _both_sides(labels: np.ndarray) -> bool:
    return bool(np.isin((0.0, 1.0), labels).all())


def _two_groups(labels: np.ndarray) -> bool:
    return len(np.unique(labels)) >= 2


def _any(labels: np.ndarray) -> bool:
    return len(labels) > 0


#: the statistics a ``statistic`` term may name, each built from its parameter (the text after
#: a colon: ``ece:15`` is ECE over 15 bins), with the labels it needs
STATISTICS: dict[str, tuple[Callable[[str | None], Statistic], Needs]] = {
    "auroc": (lambda _: _auroc, _both_sides),
    "fpr95": (lambda _: _fpr95, _both_sides),
    "gap": (lambda _: _gap, _both_sides),
    "range": (lambda _: _range, _two_groups),
    "worst": (lambda _: _worst, _any),
    "ece": (lambda bins: _ece(int(bins or BINS)), _any),
}


def statistic(name: str) -> tuple[Statistic, Needs]:
    """The named statistic and the labels it needs; a ValueError for an unknown one."""
    base, _, param = name.partition(":")
    if base not in STATISTICS:
        raise ValueError(f"unknown paired statistic {name!r}; known: {sorted(STATISTICS)}")
    build, needs = STATISTICS[base]
    return build(param or None), needs


def statistic_terms(
    name: str, values: Mapping[str, float], labels: Mapping[str, float]
) -> PairedTerms:
    """``statistic`` terms: a value and a label per sample id (the same ids)."""
    statistic(name)
    if set(values) != set(labels):
        raise ValueError("every sample needs both a value and a label")
    return PairedTerms("statistic", dict(values), dict(labels), name)


def bootstrap_p(observed: float, replicates: np.ndarray) -> float:
    """Two-sided p-value of a zero change: a Wald test with the bootstrap's standard error,
    ``erfc(|observed| / (sd * sqrt 2))``. Not the share of replicates past 0, which cannot go
    below 2 / (1 + B) (0.002 at 1,000 resamples) and so, times Holm's row count, could never
    call a change real in a comparison of 25 rows. 1 when nothing changed; 0 when every
    replicate is the same non-zero change."""
    if abs(observed) <= 1e-12:
        return 1.0
    spread = float(np.std(replicates, ddof=1)) if len(replicates) > 1 else 0.0
    if spread <= 1e-12:
        return 0.0
    return math.erfc(abs(observed) / (spread * math.sqrt(2.0)))


def stratified_indices(strata: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """(resamples, n) indices drawn with replacement within each stratum (sorted), so column
    j comes from the same stratum in every row: each resample keeps every stratum's size."""
    rng = np.random.default_rng(seed)
    parts = [
        members[rng.integers(0, len(members), size=(resamples, len(members)))]
        for members in (np.flatnonzero(strata == s) for s in np.unique(strata))
    ]
    return np.concatenate(parts, axis=1)


def _bootstrap_change(
    before: PairedTerms,
    after: PairedTerms,
    ids: list[str],
    unpaired: int,
    resamples: int,
    seed: int,
) -> PairedChange | None:
    """The statistic's change on the shared ids, by a paired bootstrap stratified by the
    (before, after) labels; None where a side lacks the labels the statistic needs."""
    if before.statistic is None:
        return None
    stat, needs = statistic(before.statistic)
    old, new = (np.array([t.values[i] for i in ids], dtype=np.float64) for t in (before, after))
    old_label, new_label = (
        np.array([t.labels[i] for i in ids], dtype=np.float64) for t in (before, after)
    )
    if not (needs(old_label) and needs(new_label)):
        return None
    observed = float(stat(new[None], new_label)[0] - stat(old[None], old_label)[0])
    _, strata = np.unique(np.stack([old_label, new_label], axis=1), axis=0, return_inverse=True)
    idx = stratified_indices(strata.ravel(), resamples, seed)
    first = idx[0]
    replicates = stat(new[idx], new_label[first]) - stat(old[idx], old_label[first])
    low, high = percentile_interval(replicates)
    p = bootstrap_p(observed, replicates)
    return PairedChange(observed, low, high, p, PAIRED_BOOTSTRAP, len(ids), None, unpaired)
