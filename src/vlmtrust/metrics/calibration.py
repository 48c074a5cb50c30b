"""Calibration: does a model's confidence match how often it is right?

Computed from two numbers per sample, the top-label confidence (max softmax probability) and
whether that top label is correct, plus the probability given to the true class for the NLL.

- ECE: 15 equal-width confidence bins ``(k/15, (k+1)/15]`` (a confidence of exactly 0 goes in
  the first bin); the sum over bins of ``|accuracy - mean confidence| * share of samples``
  (Guo et al., 2017). The same bins give the reliability diagram.
- NLL: mean ``-log p_true``, with ``p_true`` clipped at 1e-12 so a zero probability (e.g. an
  out-of-distribution sample whose class is not offered) costs 27.6 nats, not infinity.
- Brier: the *binary top-label* Brier score, mean ``(confidence - correct)^2``. The multi-class
  Brier score needs the whole probability vector; the top label's is what a per-sample
  (confidence, correct) record supports, and it measures the same thing for the decision made.

Intervals are percentile bootstrap 95% intervals over samples (seeded). ECE is biased upward in
small samples, and so are its resamples; read its interval as the spread, not as a correction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vlmtrust.metrics.rates import DEFAULT_RESAMPLES, Estimate, Resampled, percentile_interval

BINS = 15
P_FLOOR = 1e-12
BRIER_DEFINITION = "binary top-label Brier: mean (confidence - correct)^2"


@dataclass(frozen=True)
class ReliabilityBin:
    """One bar of a reliability diagram; ``confidence`` and ``accuracy`` are None when empty."""

    low: float
    high: float
    count: int
    confidence: float | None
    accuracy: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "low": self.low,
            "high": self.high,
            "count": self.count,
            "confidence": self.confidence,
            "accuracy": self.accuracy,
        }


def bin_index(confidence: npt.ArrayLike, bins: int = BINS) -> np.ndarray:
    """The equal-width bin of each confidence: ``k`` such that ``k/bins < c <= (k+1)/bins``."""
    if bins < 1:
        raise ValueError("bins must be at least 1")
    conf = np.asarray(confidence, dtype=np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    return np.asarray(np.digitize(conf, edges[1:-1], right=True))


def _checked(confidence: npt.ArrayLike, correct: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    conf = np.asarray(confidence, dtype=np.float64).ravel()
    hit = np.asarray(correct, dtype=np.float64).ravel()
    if conf.shape != hit.shape:
        raise ValueError(f"{len(conf)} confidences but {len(hit)} correctness flags")
    if conf.size and (np.isnan(conf).any() or conf.min() < 0.0 or conf.max() > 1.0):
        raise ValueError("confidences must lie in [0, 1]")
    if not np.isin(hit, (0.0, 1.0)).all():
        raise ValueError("correctness flags must be 0/1 (or bool)")
    return conf, hit


def expected_calibration_error(
    confidence: npt.ArrayLike, correct: npt.ArrayLike, bins: int = BINS
) -> float:
    """ECE over ``bins`` equal-width bins: sum of |accuracy - confidence| weighted by bin share."""
    conf, hit = _checked(confidence, correct)
    if conf.size == 0:
        raise ValueError("ECE needs at least one sample")
    return float(ece_rows(bin_index(conf, bins)[None, :], conf[None, :], hit[None, :], bins)[0])


def ece_rows(bin_ids: np.ndarray, conf: np.ndarray, hit: np.ndarray, bins: int) -> np.ndarray:
    """ECE of each row at once: per bin, |sum(correct) - sum(confidence)| / n equals
    |accuracy - confidence| * bin share, so one bincount per quantity does every resample."""
    rows, n = conf.shape
    flat = (np.arange(rows)[:, None] * bins + bin_ids).ravel()
    size = rows * bins
    conf_sum = np.bincount(flat, weights=conf.ravel(), minlength=size).reshape(rows, bins)
    hit_sum = np.bincount(flat, weights=hit.ravel(), minlength=size).reshape(rows, bins)
    return np.asarray(np.abs(hit_sum - conf_sum).sum(axis=1) / n)


def reliability_diagram(
    confidence: npt.ArrayLike, correct: npt.ArrayLike, bins: int = BINS
) -> list[ReliabilityBin]:
    """Per bin: sample count, mean confidence and accuracy (the data of a reliability plot)."""
    conf, hit = _checked(confidence, correct)
    ids = bin_index(conf, bins)
    edges = np.linspace(0.0, 1.0, bins + 1)
    out: list[ReliabilityBin] = []
    for k in range(bins):
        member = ids == k
        count = int(member.sum())
        out.append(
            ReliabilityBin(
                low=float(edges[k]),
                high=float(edges[k + 1]),
                count=count,
                confidence=float(conf[member].mean()) if count else None,
                accuracy=float(hit[member].mean()) if count else None,
            )
        )
    return out


def negative_log_likelihood(p_true: npt.ArrayLike) -> float:
    """Mean ``-log p_true`` with ``p_true`` clipped to [1e-12, 1]."""
    losses = nll_terms(p_true)
    if losses.size == 0:
        raise ValueError("NLL needs at least one sample")
    return float(losses.mean())


def nll_terms(p_true: npt.ArrayLike) -> np.ndarray:
    """Each sample's negative log-likelihood of its true class (floored at ``P_FLOOR``)."""
    p = np.asarray(p_true, dtype=np.float64).ravel()
    if p.size and (np.isnan(p).any() or p.min() < 0.0 or p.max() > 1.0):
        raise ValueError("probabilities must lie in [0, 1]")
    return np.asarray(-np.log(np.clip(p, P_FLOOR, 1.0)))


def floored(p_true: npt.ArrayLike) -> int:
    """How many true-class probabilities lie below ``P_FLOOR``: each of their NLL terms is the
    floor's ``-log(1e-12)`` = 27.63 nats, whatever the probability was."""
    p = np.asarray(p_true, dtype=np.float64).ravel()
    return int((p < P_FLOOR).sum())


def top_label_brier(confidence: npt.ArrayLike, correct: npt.ArrayLike) -> float:
    """Binary top-label Brier score: mean ``(confidence - correct)^2`` (see module docstring)."""
    conf, hit = _checked(confidence, correct)
    if conf.size == 0:
        raise ValueError("Brier needs at least one sample")
    return float(np.mean((conf - hit) ** 2))


# --------------------------------------------------------------------------- with intervals


def bootstrap_interval(
    n: int,
    statistic: Callable[[np.ndarray], np.ndarray],
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile 95% interval of ``statistic`` over ``resamples`` draws of ``n`` sample
    indices with replacement; ``statistic`` maps a (resamples, n) index array to one value per
    row, so it can index several per-sample arrays together (a paired bootstrap)."""
    if n < 1 or resamples < 1:
        raise ValueError("need at least one sample and one resample")
    idx = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    return percentile_interval(statistic(idx))


def ece_estimate(
    confidence: npt.ArrayLike,
    correct: npt.ArrayLike,
    bins: int = BINS,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> Estimate:
    """ECE with a bootstrap 95% interval; no value for an empty set."""
    conf, hit = _checked(confidence, correct)
    if conf.size == 0:
        return Estimate(None, None, None, 0)
    ids = bin_index(conf, bins)
    low, high = bootstrap_interval(
        conf.size, lambda i: ece_rows(ids[i], conf[i], hit[i], bins), resamples, seed
    )
    value = expected_calibration_error(conf, hit, bins)
    return Estimate(value, low, high, conf.size, resampled=Resampled(conf.size))


def nll_estimate(
    p_true: npt.ArrayLike, resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> Estimate:
    """Mean negative log-likelihood of the true class with a bootstrap 95% interval."""
    return _mean_estimate(nll_terms(p_true), resamples, seed)


def brier_estimate(
    confidence: npt.ArrayLike,
    correct: npt.ArrayLike,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> Estimate:
    """Binary top-label Brier score with a bootstrap 95% interval."""
    conf, hit = _checked(confidence, correct)
    return _mean_estimate((conf - hit) ** 2, resamples, seed)


def mean_estimate(
    values: npt.ArrayLike,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    unit: str = "samples",
) -> Estimate:
    """A plain mean (e.g. of confidence) with a bootstrap 95% interval (``unit``: what one
    value is, named where too few of them make the interval untrustworthy)."""
    return _mean_estimate(np.asarray(values, dtype=np.float64).ravel(), resamples, seed, unit)


def _mean_estimate(terms: np.ndarray, resamples: int, seed: int, unit: str = "samples") -> Estimate:
    """The mean of the terms that are numbers; a NaN is no measurement (an abstained row, a
    failed score): it is left out and counted in ``n_unscorable``, never averaged in. (An
    infinite term is a measurement, e.g. the PSNR of an exact reconstruction, and stays.)"""
    measured = ~np.isnan(terms)
    left_out = int((~measured).sum())
    terms = terms[measured]
    if terms.size == 0:
        return Estimate(None, None, None, 0, left_out)
    low, high = bootstrap_interval(terms.size, lambda i: terms[i].mean(axis=1), resamples, seed)
    return Estimate(
        float(terms.mean()), low, high, terms.size, left_out, Resampled(terms.size, unit)
    )
