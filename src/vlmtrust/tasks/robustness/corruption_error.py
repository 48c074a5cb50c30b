"""Mean corruption error: one number for "how much do common corruptions hurt", after ImageNet-C.

Hendrycks & Dietterich (2019) define CE_c = sum_s E_{s,c} / sum_s E^AlexNet_{s,c} (errors summed
over five severities and normalised by AlexNet's), mCE the mean of CE_c over corruptions, and
relative mCE the same with the clean error subtracted from both numerator and denominator. We
have no reference model for zoo or user data and scan one severity per run, so ours is
**unnormalised**:

- ``mce`` = mean over corrupted conditions of the error rate ``1 - accuracy`` at the scanned
  severity;
- ``relative_mce`` = ``mce`` minus the clean error rate: the mean accuracy drop, i.e. the part
  of the error the corruptions add.

Read them as absolute error rates (0..1), not as ImageNet-C percentages relative to AlexNet.

Intervals are a paired percentile bootstrap over samples: each resample draws sample ids with
replacement once and uses the same draw in every condition, so the correlation between a
sample's clean and corrupted results (the same images) is kept rather than ignored. A sample
unscorable in one condition drops out of that condition only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from vlmtrust.core.records import Score
from vlmtrust.metrics.calibration import bootstrap_interval
from vlmtrust.metrics.declared import Computed
from vlmtrust.metrics.rates import DEFAULT_RESAMPLES, Estimate, Resampled

#: the label of the clean condition (``conditions.CLEAN.label()``, not imported: conditions
#: imports this module)
CLEAN_LABEL = "none"
CORRUPTION_PREFIX = "corruption."
ATTACK = "all_corruptions"
DEFINITION = (
    "unnormalised mCE: mean over corruptions of the error rate (1 - accuracy) at the scanned "
    "severity; not divided by AlexNet's error as in Hendrycks & Dietterich 2019"
)
RELATIVE_DEFINITION = (
    "unnormalised relative mCE: mCE minus the clean error rate (the mean accuracy drop)"
)


def mean_corruption_error(
    scores: Mapping[str, Sequence[Score]],
    *,
    metric: str = "correct",
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> list[Computed]:
    """``mce`` and ``relative_mce`` (attack ``all_corruptions``) from the 0/1 ``metric`` scores
    per condition label (a custom declared metric: ``custom(mean_corruption_error)``);
    conditions other than clean and ``corruption.*`` (e.g. typographic) are ignored. Nothing
    without a corrupted condition; ``relative_mce`` has no value without the clean one."""
    corrupted = sorted(a for a in scores if a.startswith(CORRUPTION_PREFIX))
    if not corrupted:
        return []
    conditions = [*corrupted, *([CLEAN_LABEL] if CLEAN_LABEL in scores else [])]
    ids, hits, seen = _matrix(scores, conditions, metric)
    k = len(corrupted)
    errors = _errors(hits, seen)
    has_clean = CLEAN_LABEL in scores and not np.isnan(errors[k])

    def resampled(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        counts = np.zeros((len(idx), len(ids)))
        np.add.at(counts, (np.arange(len(idx))[:, None], idx), 1.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            err = 1.0 - (counts @ hits) / (counts @ seen)
        mce = err[:, :k].mean(axis=1)
        return mce, (mce - err[:, k]) if has_clean else np.full(len(idx), np.nan)

    mce_value = float(errors[:k].mean()) if not np.isnan(errors[:k]).any() else None
    mce = _estimate(mce_value, len(ids), lambda i: resampled(i)[0], resamples, seed)
    relative_value = mce_value - float(errors[k]) if has_clean and mce_value is not None else None
    relative = _estimate(relative_value, len(ids), lambda i: resampled(i)[1], resamples, seed)

    base: dict[str, Any] = {
        "corruptions": corrupted,
        "corruption_error": {
            a: None if np.isnan(e) else round(float(e), 6)
            for a, e in zip(corrupted, errors, strict=False)
        },
        "clean_error": round(float(errors[k]), 6) if has_clean else None,
        "interval": f"paired percentile bootstrap over samples, {resamples} resamples, seed {seed}",
        "n_unscorable": int(len(ids) * len(conditions) - seen.sum()),
    }
    return [
        Computed(ATTACK, "mce", mce, {**base, "definition": DEFINITION}),
        Computed(ATTACK, "relative_mce", relative, {**base, "definition": RELATIVE_DEFINITION}),
    ]


def _matrix(
    scores: Mapping[str, Sequence[Score]], conditions: Sequence[str], metric: str
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(sample ids, hits, seen): per sample and condition, the 0/1 result and whether there is
    one. Samples appear in every condition; a missing or unscorable one is simply not seen."""
    ids: dict[str, int] = {}
    cells: list[tuple[str, int, float]] = []
    for j, condition in enumerate(conditions):
        for s in scores[condition]:
            if s.metric != metric or s.unscorable or s.value is None:
                continue
            if s.value not in (0.0, 1.0):
                raise ValueError(f"mCE needs 0/1 scores, got {s.value} for {s.sample_id}")
            ids.setdefault(s.sample_id, len(ids))
            cells.append((s.sample_id, j, s.value))
    hits = np.zeros((len(ids), len(conditions)))
    seen = np.zeros((len(ids), len(conditions)))
    for sample_id, j, value in cells:
        hits[ids[sample_id], j] = value
        seen[ids[sample_id], j] = 1.0
    return list(ids), hits, seen


def _errors(hits: np.ndarray, seen: np.ndarray) -> np.ndarray:
    totals = seen.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(1.0 - hits.sum(axis=0) / totals)


def _estimate(value: float | None, n: int, statistic: Any, resamples: int, seed: int) -> Estimate:
    """The point value with the percentile interval of the resamples that are defined (a
    resample can miss every scorable sample of a condition)."""
    if value is None or n == 0:
        return Estimate(None, None, None, n)

    def defined(idx: np.ndarray) -> np.ndarray:
        values = np.asarray(statistic(idx))
        finite = values[np.isfinite(values)]
        return finite if finite.size else np.array([np.nan])

    low, high = bootstrap_interval(n, defined, resamples, seed)
    return Estimate(value, low, high, n, resampled=Resampled(n))
