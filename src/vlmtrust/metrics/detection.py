"""Out-of-distribution detection: per-sample detector scores and the two standard summaries,
AUROC and FPR at 95% TPR, with stratified bootstrap 95% intervals.

Every detector score is oriented so that HIGHER means "more in-distribution", and
in-distribution is the positive class throughout. A detector that is fooled by over-confidence
(out-of-distribution inputs scored as more familiar than familiar ones) therefore shows up as an
AUROC below 0.5, not as a silently flipped curve.

Intervals are percentile bootstrap intervals that resample the in- and out-of-distribution
scores separately (stratified), so every resample keeps the original class sizes and both
classes are always present.

scipy and sklearn are imported where used: this module sits under ``vlmtrust.runner`` and the
CLI, and importing them at the top cost every command ~1.5 s (sklearn pulls in pandas).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from vlmtrust.metrics.rates import DEFAULT_RESAMPLES, Estimate, Resampled, percentile_interval

DEFAULT_TPR = 0.95

# --------------------------------------------------------------------------- detector scores


def msp(logits: npt.ArrayLike) -> np.ndarray:
    """Maximum softmax probability per row (Hendrycks & Gimpel, 2017)."""
    from scipy.special import softmax

    x = np.asarray(logits, dtype=np.float64)
    return np.asarray(softmax(x, axis=1).max(axis=1))


def max_logit(logits: npt.ArrayLike) -> np.ndarray:
    """Largest logit per row (Hendrycks et al., 2022): unlike MSP it keeps the logits' scale."""
    return np.asarray(np.asarray(logits, dtype=np.float64).max(axis=1))


def energy(logits: npt.ArrayLike, temperature: float = 1.0) -> np.ndarray:
    """Negative free energy ``T * logsumexp(logits / T)`` per row (Liu et al., 2020)."""
    from scipy.special import logsumexp

    x = np.asarray(logits, dtype=np.float64)
    return np.asarray(temperature * logsumexp(x / temperature, axis=1))


def mcm(
    image_embeddings: npt.ArrayLike, text_embeddings: npt.ArrayLike, temperature: float = 1.0
) -> np.ndarray:
    """Maximum concept matching (Ming et al., 2022): the largest softmax over classes of the
    image-text cosine similarities divided by ``temperature``. Embeddings are L2-normalised
    here, so an adapter that returns raw features still gives cosines."""
    from scipy.special import softmax

    img = _unit_rows(np.asarray(image_embeddings, dtype=np.float64))
    txt = _unit_rows(np.asarray(text_embeddings, dtype=np.float64))
    return np.asarray(softmax(img @ txt.T / temperature, axis=1).max(axis=1))


def _unit_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.asarray(x / np.where(norms == 0, 1.0, norms))


# --------------------------------------------------------------------------- point metrics


def auroc(in_scores: npt.ArrayLike, out_scores: npt.ArrayLike) -> float:
    """Area under the ROC curve with in-distribution as the positive class (ties count half):
    the chance that a random in-distribution sample outscores a random OOD one."""
    from sklearn.metrics import roc_auc_score

    ins, outs = _pair(in_scores, out_scores)
    labels = np.r_[np.ones(len(ins)), np.zeros(len(outs))]
    return float(roc_auc_score(labels, np.r_[ins, outs]))


def roc_points(
    in_scores: npt.ArrayLike, out_scores: npt.ArrayLike, max_points: int = 50
) -> dict[str, list[float]]:
    """The ROC curve (in-distribution positive) thinned to at most ``max_points`` points,
    keeping both ends, so a report can draw it without storing every threshold."""
    from sklearn.metrics import roc_curve

    ins, outs = _pair(in_scores, out_scores)
    labels = np.r_[np.ones(len(ins)), np.zeros(len(outs))]
    fpr, tpr, _ = roc_curve(labels, np.r_[ins, outs])
    if len(fpr) > max_points:
        keep = np.unique(np.linspace(0, len(fpr) - 1, max_points).round().astype(int))
        fpr, tpr = fpr[keep], tpr[keep]
    return {"fpr": [round(float(x), 4) for x in fpr], "tpr": [round(float(x), 4) for x in tpr]}


def fpr_at_tpr(
    in_scores: npt.ArrayLike, out_scores: npt.ArrayLike, tpr: float = DEFAULT_TPR
) -> float:
    """Share of OOD samples scoring at or above the highest threshold that still keeps ``tpr``
    of the in-distribution samples (at least ``ceil(tpr * n_in)`` of them): how many unfamiliar
    inputs get through when the detector is set to accept 95% of familiar ones."""
    ins, outs = _pair(in_scores, out_scores)
    threshold = np.sort(ins)[len(ins) - _kept(len(ins), tpr)]
    return float(np.mean(outs >= threshold))


def _kept(n_in: int, tpr: float) -> int:
    """How many in-distribution samples a threshold must keep; the rounding guard stops float
    noise (0.95 * 20 = 19.000000000000004) from demanding one sample more."""
    if not 0.0 < tpr <= 1.0:
        raise ValueError(f"tpr must be in (0, 1], got {tpr}")
    return max(1, min(n_in, math.ceil(round(tpr * n_in, 9))))


def _pair(in_scores: npt.ArrayLike, out_scores: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    ins = np.asarray(in_scores, dtype=np.float64).ravel()
    outs = np.asarray(out_scores, dtype=np.float64).ravel()
    if len(ins) == 0 or len(outs) == 0:
        raise ValueError("need at least one in-distribution and one OOD score")
    if not (np.isfinite(ins).all() and np.isfinite(outs).all()):
        raise ValueError("detector scores must be finite")
    return ins, outs


# --------------------------------------------------------------------------- resampled metrics


def auroc_rows(ins: np.ndarray, outs: np.ndarray) -> np.ndarray:
    """AUROC of each row pair via the Mann-Whitney U statistic (average ranks for ties), the
    same number roc_auc_score gives, computed for all bootstrap resamples at once."""
    from scipy.stats import rankdata

    n_in, n_out = ins.shape[1], outs.shape[1]
    ranks = rankdata(np.concatenate([ins, outs], axis=1), axis=1)
    u = ranks[:, :n_in].sum(axis=1) - n_in * (n_in + 1) / 2
    return np.asarray(u / (n_in * n_out))


def fpr_rows(ins: np.ndarray, outs: np.ndarray, tpr: float) -> np.ndarray:
    """FPR at ``tpr`` of each row pair (one resample per row), as :func:`fpr_at_tpr`."""
    n_in = ins.shape[1]
    thresholds = np.sort(ins, axis=1)[:, n_in - _kept(n_in, tpr)]
    return np.asarray((outs >= thresholds[:, None]).mean(axis=1))


def stratified_bootstrap(
    in_scores: npt.ArrayLike,
    out_scores: npt.ArrayLike,
    statistic: Callable[[np.ndarray, np.ndarray], np.ndarray],
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile 95% interval of ``statistic`` over resamples that draw the in- and
    out-of-distribution scores separately, with replacement. ``statistic`` takes two 2-D arrays
    (one resample per row) and returns one value per row."""
    ins, outs = _pair(in_scores, out_scores)
    if resamples < 1:
        raise ValueError("resamples must be at least 1")
    rng = np.random.default_rng(seed)
    boot_in = ins[rng.integers(0, len(ins), size=(resamples, len(ins)))]
    boot_out = outs[rng.integers(0, len(outs), size=(resamples, len(outs)))]
    values = statistic(boot_in, boot_out)
    return percentile_interval(values)


def auroc_estimate(
    in_scores: npt.ArrayLike,
    out_scores: npt.ArrayLike,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> Estimate:
    """AUROC with a stratified bootstrap 95% interval; no value when either side is empty."""
    ins, outs = _arrays(in_scores, out_scores)
    if len(ins) == 0 or len(outs) == 0:
        return Estimate(None, None, None, len(ins) + len(outs))
    low, high = stratified_bootstrap(ins, outs, auroc_rows, resamples, seed)
    return Estimate(
        auroc(ins, outs), low, high, len(ins) + len(outs), resampled=resampled_sides(ins, outs)
    )


def fpr_at_tpr_estimate(
    in_scores: npt.ArrayLike,
    out_scores: npt.ArrayLike,
    tpr: float = DEFAULT_TPR,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> Estimate:
    """FPR at ``tpr`` (default 95%) with a stratified bootstrap 95% interval."""
    ins, outs = _arrays(in_scores, out_scores)
    if len(ins) == 0 or len(outs) == 0:
        return Estimate(None, None, None, len(ins) + len(outs))
    low, high = stratified_bootstrap(ins, outs, lambda a, b: fpr_rows(a, b, tpr), resamples, seed)
    value = fpr_at_tpr(ins, outs, tpr)
    return Estimate(value, low, high, len(ins) + len(outs), resampled=resampled_sides(ins, outs))


def resampled_sides(ins: np.ndarray, outs: np.ndarray) -> Resampled:
    """The two sides are resampled apart: the smaller one bounds what the interval can show."""
    return Resampled(min(len(ins), len(outs)), "samples on its smaller side")


def _arrays(in_scores: npt.ArrayLike, out_scores: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.asarray(in_scores, dtype=np.float64).ravel(),
        np.asarray(out_scores, dtype=np.float64).ravel(),
    )
