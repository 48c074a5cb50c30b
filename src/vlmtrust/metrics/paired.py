"""Paired before -> after statistics: the baseline and a mitigated variant are scored on the
same samples, so their change is judged sample by sample, not by whether two unpaired
intervals overlap (which ignores the pairing, and is far less sensitive).

A metric offers its per-sample terms (:class:`PairedTerms`: a 0/1 outcome or a number per
sample id); :func:`paired_change` matches the two sides by sample id and gives the mean
difference (after - before) with a paired percentile-bootstrap 95% interval and a two-sided
p-value: McNemar's exact test for 0/1 outcomes (the binomial test on the discordant pairs, as
``statsmodels``' ``mcnemar(exact=True)``), a sign-flip permutation test of the mean difference
for numbers (exact up to 2^16 flips, else seeded Monte Carlo). :func:`holm` adjusts the p-values
of one comparison's rows for their number (Holm 1979), so "real" means p_holm < 0.05.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import numpy as np

from vlmtrust.metrics.calibration import bootstrap_interval
from vlmtrust.metrics.rates import DEFAULT_RESAMPLES

Kind = Literal["binary", "continuous"]
#: below this many pairs the sign-flip test enumerates every flip (2^16 = 65,536)
EXACT_FLIPS = 16
ALPHA = 0.05


@dataclass(frozen=True)
class PairedTerms:
    """One condition's per-sample terms of a metric: a 0/1 outcome (``binary``: the metric is
    their rate) or a number (``continuous``: the metric is their mean), by sample id."""

    kind: Kind
    values: Mapping[str, float]


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
    if before.kind != after.kind:
        return None
    ids = sorted(set(before.values) & set(after.values))
    unpaired = len(set(before.values) ^ set(after.values))
    if len(ids) < 2:
        return None
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
