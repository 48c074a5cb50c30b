"""The mutual information gap (MIG; Chen et al. 2018, "Isolating Sources of Disentanglement in
VAEs"): for each known factor, the gap between the two code dimensions that carry the most
mutual information about it, divided by the factor's entropy; 1 = one dimension alone holds the
factor, 0 = at least two hold it equally (or none does).

Codes are discretised once into equal-width bins per dimension (20, as disentanglement_lib does);
mutual information is counted from the joint histograms of every dimension at once, so a
bootstrap over samples (rows resampled, bins kept) costs one ``bincount`` per factor and draw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from vlmtrust.metrics.rates import Estimate, Resampled, percentile_interval

BINS = 20


def discretise(codes: np.ndarray, bins: int = BINS) -> np.ndarray:
    """Each column cut into ``bins`` equal-width bins over its own range (ints in [0, bins))."""
    low, high = codes.min(0), codes.max(0)
    width = np.where(high > low, (high - low) / bins, 1.0)
    binned: np.ndarray = np.clip(((codes - low) / width).astype(int), 0, bins - 1)
    return binned


def factor_gaps(
    binned: np.ndarray, factors: Mapping[str, np.ndarray], bins: int = BINS
) -> dict[str, tuple[float, int]]:
    """Per factor (integer codes 0..K-1, one per row): its normalised MIG term and the dimension
    holding the most information about it."""
    n, dims = binned.shape
    out = {}
    for name, values in factors.items():
        classes = int(values.max()) + 1
        cell = (np.arange(dims) * bins * classes)[None, :] + binned * classes + values[:, None]
        joint = np.bincount(cell.ravel(), minlength=dims * bins * classes)
        joint = joint.reshape(dims, bins, classes) / n
        p_code = joint.sum(2, keepdims=True)
        p_factor = joint.sum(1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(joint > 0, joint * np.log(joint / (p_code * p_factor)), 0.0)
        information = terms.sum((1, 2))
        share = p_factor[0, 0]
        entropy = float(-(share[share > 0] * np.log(share[share > 0])).sum())
        top = np.sort(information)[::-1]
        second = top[1] if dims > 1 else 0.0
        gap = (top[0] - second) / entropy if entropy > 0 else 0.0
        out[name] = (float(gap), int(information.argmax()))
    return out


def mig(
    codes: np.ndarray,
    factors: Mapping[str, Sequence[str]],
    resamples: int,
    seed: int,
) -> tuple[Estimate, dict[str, Estimate], dict[str, int]]:
    """MIG averaged over ``factors`` with a percentile bootstrap over rows, each factor's own
    term with its interval, and the dimension each factor sits in."""
    binned = discretise(codes)
    coded = {
        name: np.unique(np.asarray(values), return_inverse=True)[1]
        for name, values in factors.items()
    }
    point = factor_gaps(binned, coded)
    rng = np.random.default_rng(seed)
    n = len(codes)
    draws: dict[str, list[float]] = {name: [] for name in coded}
    for _ in range(resamples):
        rows = rng.integers(0, n, n)
        for name, (gap, _dim) in factor_gaps(
            binned[rows], {k: v[rows] for k, v in coded.items()}
        ).items():
            draws[name].append(gap)
    resampled = Resampled(units=n)
    per_factor = {}
    for name, (gap, _dim) in point.items():
        low, high = percentile_interval(np.array(draws[name]))
        per_factor[name] = Estimate(gap, low, high, n, resampled=resampled)
    mean_draws = np.mean([draws[name] for name in coded], axis=0)
    low, high = percentile_interval(mean_draws)
    value = float(np.mean([gap for gap, _ in point.values()]))
    dims = {name: dim for name, (_gap, dim) in point.items()}
    return Estimate(value, low, high, n, resampled=resampled), per_factor, dims
