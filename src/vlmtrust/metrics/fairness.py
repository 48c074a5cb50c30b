"""Fairness statistics: ranking skew, embedding association, group disparity.

- ``max_skew`` and ``ndkl``: Geyik et al. 2019 (LinkedIn talent search), as used for CLIP
  retrieval by Berg et al. 2022 ("A prompt array keeps the bias away"): how far the groups in a
  top-k list are from a desired share (the candidate pool's own share unless given).
- ``weat``: Caliskan et al. 2017's effect size between two target sets X, Y (e.g. group A and
  group B image embeddings) and two attribute sets A, B (e.g. occupation texts), with a
  permutation p-value (exact when the partitions are few, else sampled).
- ``bias_distance``: the distance between two group centroids along a concept direction.
- ``disparity``: demographic parity and equalized odds differences via fairlearn's MetricFrame.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from fairlearn.metrics import (
    MetricFrame,
    selection_rate,
)


def shares(groups: Sequence[Hashable]) -> dict[Hashable, float]:
    """Each group's share of ``groups``."""
    counts = Counter(groups)
    total = sum(counts.values())
    return {g: c / total for g, c in counts.items()}


def max_skew(top: Sequence[Hashable], desired: Mapping[Hashable, float]) -> float:
    """MaxSkew@k = max over groups of ln(share in ``top`` / desired share).

    0 means every group has exactly its desired share; ln 2 (0.69) means some group fills twice
    its share. A group absent from ``top`` has skew -inf, which never wins the max; a group in
    ``top`` whose desired share is 0 has skew +inf (it should not be there at all), which does.
    """
    if not top:
        raise ValueError("max_skew needs a non-empty top-k list")
    observed = shares(top)
    if any(g not in desired for g in observed):
        raise ValueError("a group in the ranking has no desired share")
    return max(
        math.log(share / desired[g]) if desired[g] > 0 else math.inf
        for g, share in observed.items()
    )


def kl_divergence(p: Mapping[Hashable, float], q: Mapping[Hashable, float]) -> float:
    """KL(p || q) in nats, with 0 ln 0 = 0, and +inf where p has mass q gives none."""
    return sum(pv * math.log(pv / q[g]) if q[g] > 0 else math.inf for g, pv in p.items() if pv > 0)


def ndkl(ranking: Sequence[Hashable], desired: Mapping[Hashable, float]) -> float:
    """Normalized discounted KL divergence of the prefixes of ``ranking`` from ``desired``:
    (1/Z) sum_i KL(shares(top-i) || desired) / log2(i + 1), Z = sum_i 1 / log2(i + 1).
    0 when every prefix has the desired shares; larger is more skewed, weighted to the top;
    +inf when a group with desired share 0 is ranked at all."""
    if not ranking:
        raise ValueError("ndkl needs a non-empty ranking")
    weights = [1.0 / math.log2(i + 1) for i in range(1, len(ranking) + 1)]
    total = sum(
        w * kl_divergence(shares(ranking[:i]), desired) for i, w in enumerate(weights, start=1)
    )
    return total / sum(weights)


def _unit(x: np.ndarray) -> np.ndarray:
    return np.asarray(x / np.linalg.norm(x, axis=-1, keepdims=True), dtype=np.float64)


def association(w: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """s(w, A, B): mean cosine of each row of ``w`` with A minus with B."""
    w, a, b = _unit(w), _unit(a), _unit(b)
    return np.asarray((w @ a.T).mean(axis=1) - (w @ b.T).mean(axis=1))


@dataclass(frozen=True)
class WeatResult:
    effect_size: float
    p_value: float
    #: how many partitions the p-value rests on, and whether they were all of them
    permutations: int
    exact: bool


def weat(
    x: np.ndarray,
    y: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    permutations: int = 10_000,
    seed: int = 0,
) -> WeatResult:
    """Caliskan et al.'s effect size (mean s over X minus over Y, divided by the sample standard
    deviation of s over X and Y together) and the one-sided p-value of the statistic
    sum_X s - sum_Y s under random equal-size re-partitions of X and Y."""
    if len(x) < 2 or len(y) < 2:
        raise ValueError("weat needs at least two targets in each set")
    return weat_from_associations(association(x, a, b), association(y, a, b), permutations, seed)


def weat_from_associations(
    s_x: np.ndarray, s_y: np.ndarray, permutations: int = 10_000, seed: int = 0
) -> WeatResult:
    """``weat`` from each target's association s(w, A, B), already computed (e.g. from stored
    cosine similarities)."""
    if len(s_x) < 2 or len(s_y) < 2:
        raise ValueError("weat needs at least two targets in each set")
    pooled = np.concatenate([s_x, s_y])
    effect = float((s_x.mean() - s_y.mean()) / pooled.std(ddof=1))
    observed = s_x.sum() - s_y.sum()
    total = pooled.sum()
    n, k = len(pooled), len(s_x)
    exact = math.comb(n, k) <= permutations
    if exact:
        splits = itertools.combinations(range(n), k)
        stats = np.array([2 * pooled[list(c)].sum() - total for c in splits])
        p = float(np.mean(stats >= observed - 1e-12))
        return WeatResult(effect, p, len(stats), True)
    rng = np.random.default_rng(seed)
    chosen = np.argsort(rng.random((permutations, n)), axis=1)[:, :k]
    hits = int(np.sum(2 * pooled[chosen].sum(axis=1) - total >= observed - 1e-12))
    return WeatResult(effect, (hits + 1) / (permutations + 1), permutations, False)


def bias_distance(group_a: np.ndarray, group_b: np.ndarray, direction: np.ndarray) -> float:
    """(centroid of A - centroid of B) . unit(direction): how much further A sits along a concept
    (e.g. the text embedding of "a doctor") than B, in the embedding's own units."""
    unit = direction / np.linalg.norm(direction)
    return float((_unit(group_a).mean(axis=0) - _unit(group_b).mean(axis=0)) @ unit)


@dataclass(frozen=True)
class Disparity:
    """Demographic parity and equalized odds differences of one binary decision, with the
    per-group rates they come from."""

    demographic_parity_difference: float
    equalized_odds_difference: float
    by_group: dict[str, dict[str, float | None]]


def disparity(
    y_true: Sequence[bool], y_pred: Sequence[bool], sensitive: Sequence[str]
) -> Disparity:
    """Max minus min over groups of the selection rate (DP), and the larger of the gaps in true
    and false positive rates (EO), from fairlearn's MetricFrame. A rate a group cannot have
    (no positives for TPR, no negatives for FPR) is NaN and left out of the gap, not counted as
    0 as fairlearn's rate functions would: a perfect classifier has EO 0, whatever the groups'
    base rates (the bootstrap statistic of ``fairness.group_performance`` does the same)."""
    frame = MetricFrame(
        metrics={
            "selection_rate": selection_rate,
            "true_positive_rate": _rate_among(1),
            "false_positive_rate": _rate_among(0),
        },
        y_true=np.asarray(y_true, dtype=int),
        y_pred=np.asarray(y_pred, dtype=int),
        sensitive_features=np.asarray(sensitive),
    )
    gaps = frame.difference(method="between_groups")
    by_group = {  # an undefined rate is None (JSON has no NaN)
        str(g): {m: None if math.isnan(v) else float(v) for m, v in row.items()}
        for g, row in frame.by_group.iterrows()
    }
    dp = float(gaps["selection_rate"])
    eo_gaps = [float(gaps[m]) for m in ("true_positive_rate", "false_positive_rate")]
    eo = max((g for g in eo_gaps if not math.isnan(g)), default=0.0)
    return Disparity(dp, eo, by_group)


def _rate_among(truth: int) -> Callable[[np.ndarray, np.ndarray], float]:
    """The share of positive decisions among the rows whose truth is ``truth`` (TPR for 1,
    FPR for 0); NaN when a group has no such row."""

    def rate(y_true: np.ndarray, y_pred: np.ndarray) -> float:
        rows = np.asarray(y_true) == truth
        return float(np.asarray(y_pred)[rows].mean()) if rows.any() else math.nan

    return rate
