"""Mean corruption error: one number for "how much do common corruptions hurt", after ImageNet-C.

Hendrycks & Dietterich (2019) define CE_c = sum_s E_{s,c} / sum_s E^AlexNet_{s,c} (errors summed
over five severities and normalised by AlexNet's), mCE the mean of CE_c over corruptions, and
relative mCE the same with the clean error subtracted from both numerator and denominator. We
have no reference model for zoo or user data, so ours is **unnormalised**:

- ``CE_c`` = the error rate ``1 - accuracy`` under corruption ``c``, averaged over the
  severities scanned (one, or several with the task's ``severities``);
- ``mce`` = the mean of ``CE_c`` over the corruptions scanned (each corruption weighs the same
  whatever its number of severities);
- ``relative_mce`` = ``mce`` minus the clean error rate: the mean accuracy drop, i.e. the part
  of the error the corruptions add.

Read them as absolute error rates (0..1), not as ImageNet-C percentages relative to AlexNet,
and compare two numbers only over the same corruptions and severities (the row's details list
them; ``mce_15`` is the mean over ImageNet-C's 15 alone when all were scanned). ``by_family``
gives the same mean within each ImageNet-C family (noise, blur, weather,
digital, and the extra four), for the report's plot.

Intervals are a paired percentile bootstrap over samples: each resample draws sample ids with
replacement once and uses the same draw in every condition, so the correlation between a
sample's clean and corrupted results (the same images) is kept rather than ignored. A sample
unscorable in one condition drops out of that condition only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from vlmtrust.attacks.imagenet_c import ALIASES, COMMON, FAMILIES, FAMILY_OF
from vlmtrust.core.records import Score
from vlmtrust.metrics.calibration import bootstrap_interval
from vlmtrust.metrics.declared import ColumnFunction, Columns, Computed
from vlmtrust.metrics.rates import DEFAULT_RESAMPLES, Estimate, Resampled

#: the label of the clean condition (``conditions.CLEAN.label()``, not imported: conditions
#: imports this module)
CLEAN_LABEL = "none"
CORRUPTION_PREFIX = "corruption."
ATTACK = "all_corruptions"
DEFINITION = (
    "unnormalised mCE: mean over corruptions of the error rate (1 - accuracy), each averaged "
    "over the scanned severities; not divided by AlexNet's error as in Hendrycks & Dietterich 2019"
)
#: the severity in a condition label such as ``corruption.fog(severity=5)``; none: default 3
_SEVERITY = re.compile(r"severity=(\d+)")
DEFAULT_SEVERITY = 3
OTHER_FAMILY = "other"
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
    return _from_matrix(corrupted, conditions, ids, hits, seen, resamples, seed)


def mean_corruption_error_columns(
    columns: Columns,
    *,
    metric: str = "correct",
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> list[Computed]:
    """``mean_corruption_error`` from score columns (the same matrix, so the same rows)."""
    corrupted = sorted(a for a in columns if a.startswith(CORRUPTION_PREFIX))
    if not corrupted:
        return []
    conditions = [*corrupted, *([CLEAN_LABEL] if CLEAN_LABEL in columns else [])]
    ids, hits, seen = _matrix_of_columns(columns, conditions, metric)
    return _from_matrix(corrupted, conditions, ids, hits, seen, resamples, seed)


#: ``mean_corruption_error`` with its column form, for ``custom``
MEAN_CORRUPTION_ERROR = ColumnFunction(mean_corruption_error, mean_corruption_error_columns)


def _from_matrix(
    corrupted: list[str],
    conditions: list[str],
    ids: Sequence[object],
    hits: np.ndarray,
    seen: np.ndarray,
    resamples: int,
    seed: int,
) -> list[Computed]:
    k = len(corrupted)
    errors = _errors(hits, seen)
    has_clean = CLEAN_LABEL in conditions and not np.isnan(errors[k])
    groups = _corruptions(corrupted)
    weights = _weights(corrupted, groups)
    families = {
        family: _weights(corrupted, {c: groups[c] for c in names})
        for family, names in _families(groups).items()
    }

    def condition_errors(idx: np.ndarray) -> np.ndarray:
        counts = np.zeros((len(idx), len(ids)))
        np.add.at(counts, (np.arange(len(idx))[:, None], idx), 1.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(1.0 - (counts @ hits) / (counts @ seen))

    def mce_of(idx: np.ndarray) -> np.ndarray:
        return np.asarray(condition_errors(idx)[:, :k] @ weights)

    def relative_of(idx: np.ndarray) -> np.ndarray:
        if not has_clean:
            return np.full(len(idx), np.nan)
        err = condition_errors(idx)
        return np.asarray(err[:, :k] @ weights - err[:, k])

    defined = not np.isnan(errors[:k]).any()
    mce_value = float(errors[:k] @ weights) if defined else None
    mce = _estimate(mce_value, len(ids), mce_of, resamples, seed)
    relative_value = mce_value - float(errors[k]) if has_clean and mce_value is not None else None
    relative = _estimate(relative_value, len(ids), relative_of, resamples, seed)

    def family_entry(w: np.ndarray) -> dict[str, Any]:
        value = float(errors[:k] @ w) if defined else None
        est = _estimate(value, len(ids), lambda i: condition_errors(i)[:, :k] @ w, resamples, seed)
        return {
            "value": _round(est.value),
            "ci_low": _round(est.ci_low),
            "ci_high": _round(est.ci_high),
            "n": est.n,
        }

    base: dict[str, Any] = {
        "corruptions": corrupted,
        "corruption_error": {
            a: None if np.isnan(e) else round(float(e), 6)
            for a, e in zip(corrupted, errors, strict=False)
        },
        "ce": {
            c: None
            if not defined
            else round(float(errors[:k] @ _weights(corrupted, {c: labels})), 6)
            for c, labels in groups.items()
        },
        "severities": sorted({_severity(a) for a in corrupted}),
        # ImageNet-C's own mCE averages its 15 corruptions only, without the extra four
        "mce_15": (
            round(float(errors[:k] @ _weights(corrupted, {c: groups[c] for c in COMMON})), 6)
            if defined and set(COMMON) <= set(groups)
            else None
        ),
        "family": {c: FAMILY_OF.get(c, OTHER_FAMILY) for c in groups},
        "clean_error": round(float(errors[k]), 6) if has_clean else None,
        "interval": f"paired percentile bootstrap over samples, {resamples} resamples, seed {seed}",
        "n_unscorable": int(len(ids) * len(conditions) - seen.sum()),
    }
    by_family = {"by_family": {f: family_entry(w) for f, w in families.items()}}
    curve = _severity_curve(corrupted, errors[:k], groups) if defined else {}
    return [
        # the family breakdown and the severity curve are of mce (error), not of its drop
        Computed(ATTACK, "mce", mce, {**base, "definition": DEFINITION, **by_family, **curve}),
        Computed(ATTACK, "relative_mce", relative, {**base, "definition": RELATIVE_DEFINITION}),
    ]


def _severity(label: str) -> int:
    found = _SEVERITY.search(label)
    return int(found.group(1)) if found else DEFAULT_SEVERITY


def _corruptions(corrupted: Sequence[str]) -> dict[str, list[str]]:
    """Condition labels grouped by corruption (``corruption.fog(severity=1)`` and
    ``corruption.fog`` are fog), older names mapped to the reference's (``jpeg``)."""
    groups: dict[str, list[str]] = {}
    for label in corrupted:
        name = _SEVERITY.sub("", label.removeprefix(CORRUPTION_PREFIX))
        name = name.replace("(,", "(").replace(",)", ")").replace(",,", ",").removesuffix("()")
        groups.setdefault(ALIASES.get(name, name), []).append(label)
    return groups


def _weights(corrupted: Sequence[str], groups: Mapping[str, Sequence[str]]) -> np.ndarray:
    """Weights over the corrupted conditions giving the mean over ``groups`` of each group's
    mean over its conditions (its severities)."""
    position = {label: i for i, label in enumerate(corrupted)}
    w = np.zeros(len(corrupted))
    for labels in groups.values():
        for label in labels:
            w[position[label]] += 1.0 / (len(groups) * len(labels))
    return w


def _families(groups: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Corruptions by ImageNet-C family, in its order; unknown (plugin) corruptions last."""
    order = [*FAMILIES, OTHER_FAMILY]
    found: dict[str, list[str]] = {}
    for name in groups:
        found.setdefault(FAMILY_OF.get(name, OTHER_FAMILY), []).append(name)
    return {f: found[f] for f in order if f in found}


def _severity_curve(
    corrupted: Sequence[str], errors: np.ndarray, groups: Mapping[str, Sequence[str]]
) -> dict[str, Any]:
    """Mean error over corruptions at each severity, as the report's ``curve`` (only when more
    than one severity was scanned)."""
    by_severity: dict[int, list[float]] = {}
    for label, error in zip(corrupted, errors, strict=True):
        by_severity.setdefault(_severity(label), []).append(float(error))
    if len(by_severity) < 2:
        return {}
    xs = sorted(by_severity)
    return {
        "curve": {
            "x": xs,
            "y": [round(float(np.mean(by_severity[s])), 6) for s in xs],
            "x_label": "severity",
            "y_label": f"mean error over {len(groups)} corruptions",
        }
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


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


def _matrix_of_columns(
    columns: Columns, conditions: Sequence[str], metric: str
) -> tuple[list[int], np.ndarray, np.ndarray]:
    """``_matrix`` of columns: samples (by position) in the order they first appear."""
    rows: dict[int, int] = {}
    cells: list[tuple[int, int, float]] = []
    for j, condition in enumerate(conditions):
        found = columns[condition]
        kept = found.where(found.is_metric(metric) & ~found.unscorable & ~found.missing)
        bad = ~((kept.value == 0.0) | (kept.value == 1.0))
        if bad.any():
            got = float(kept.value[bad][0])
            raise ValueError(f"mCE needs 0/1 scores, got {got} (a score as columns)")
        for position, value in zip(kept.position.tolist(), kept.value.tolist(), strict=True):
            rows.setdefault(position, len(rows))
            cells.append((position, j, value))
    hits = np.zeros((len(rows), len(conditions)))
    seen = np.zeros((len(rows), len(conditions)))
    for position, j, value in cells:
        hits[rows[position], j] = value
        seen[rows[position], j] = 1.0
    return list(rows), hits, seen


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
