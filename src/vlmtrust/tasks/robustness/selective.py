"""Selective classification in tasks: a model (e.g. behind the ``abstain`` mitigation) may
decline to answer. An abstention is a model decision, recorded as its own Score (metric
``abstained``), never as unscorable; ``coverage`` and ``selective_accuracy`` rows report it
(the declared metric :class:`Selective`).

The convention between models and tasks: an abstained row of classifier output is all NaN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vlmtrust.core.columns import ScoreColumns
from vlmtrust.core.records import Score
from vlmtrust.metrics.declared import Columns, ColumnView, Computed, Declared, rate_of_columns
from vlmtrust.metrics.rates import Estimate, rate, wilson

ABSTAINED = "abstained"


def abstained_rows(logits: Any) -> np.ndarray:
    """Which rows of a classifier's output are abstentions (all NaN)."""
    x = np.asarray(logits, dtype=np.float64)
    return np.asarray(np.isnan(x).all(axis=-1)) if x.size else np.zeros(len(x), dtype=bool)


def abstention(sample_id: str, **details: Any) -> Score:
    """The Score a task records when the model declined to answer a sample."""
    return Score(sample_id=sample_id, metric=ABSTAINED, value=1.0, details=details)


def abstentions_as_errors(
    scores: Mapping[str, Sequence[Score]], metric: str = "correct"
) -> dict[str, list[Score]]:
    """Per condition, the ``metric`` scores plus every abstention as a wrong answer: what
    ``accuracy`` should count, so a variant that abstains is compared with the baseline on the
    same samples and abstaining can never raise plain accuracy (``selective_accuracy`` is the
    accuracy among answered samples)."""
    return {
        attack: [
            s
            if s.metric == metric
            else Score(sample_id=s.sample_id, metric=metric, value=0.0, details={ABSTAINED: True})
            for s in attacked
            if s.metric == metric or (s.metric == ABSTAINED and s.value == 1.0)
        ]
        for attack, attacked in scores.items()
    }


def abstentions_as_errors_columns(columns: Columns, metric: str = "correct") -> Columns:
    """``abstentions_as_errors`` as columns: the same scores kept, in order, each abstention
    turned into a scorable 0 of ``metric``."""
    out = {}
    for attack, found in columns.items():
        abstained = found.is_metric(ABSTAINED) & (found.value == 1.0)
        kept = found.where(found.is_metric(metric) | abstained)
        names = kept.names if metric in kept.names else (*kept.names, metric)
        turned = abstained[found.is_metric(metric) | abstained]
        out[attack] = ScoreColumns(
            kept.position,
            np.where(turned, names.index(metric), kept.metric).astype(kept.metric.dtype),
            names,
            np.where(turned, 0.0, kept.value),
            kept.unscorable & ~turned,
            kept.missing & ~turned,
        )
    return out


#: what accuracy counts (``abstentions_as_errors``), with its column form
ABSTENTIONS_AS_ERRORS = ColumnView(abstentions_as_errors, abstentions_as_errors_columns)


def coverage_estimate(scores: Sequence[Score], answered: str = "correct") -> Estimate:
    """Share of samples answered: those with a scorable ``answered`` score, out of those plus the
    abstained ones (samples unscorable for other reasons are in neither)."""
    declined = {s.sample_id for s in _declined(scores)}
    done = {s.sample_id for s in scores if s.metric == answered and not s.unscorable} - declined
    total = len(done) + len(declined)
    if total == 0:
        return Estimate(None, None, None, 0)
    low, high = wilson(len(done), total)
    return Estimate(len(done) / total, low, high, total)


@dataclass(frozen=True)
class Selective(Declared):
    """Per condition, ``coverage`` (share answered) and, with ``accuracy``, ``selective_accuracy``
    (share of answered samples whose 0/1 ``answered`` score is 1), both with Wilson intervals.

    With ``split`` (a boolean details key such as ``ood``) each metric is reported per side as
    ``<metric>_in`` / ``<metric>_out``; the abstention and answered scores must carry the key.
    With ``only_if_abstained`` nothing is computed unless some sample was abstained on."""

    answered: str = "correct"
    accuracy: bool = True
    split: str | None = None
    only_if_abstained: bool = False
    name: str = "coverage"

    def compute(self, scores: Mapping[str, Sequence[Score]]) -> list[Computed]:
        if self.only_if_abstained and not any(_declined(ss) for ss in scores.values()):
            return []
        out: list[Computed] = []
        for attack, attacked in scores.items():
            parts: list[tuple[str, Sequence[Score]]] = [("", attacked)]
            if self.split is not None:
                parts = [
                    (suffix, [s for s in attacked if s.details.get(self.split) is side])
                    for suffix, side in (("_in", False), ("_out", True))
                ]
            for suffix, part in parts:
                kept = [s for s in part if s.metric == self.answered]
                estimates = [("coverage", coverage_estimate(part, self.answered), COVERAGE)]
                if self.accuracy:
                    estimates.append(("selective_accuracy", rate(kept), SELECTIVE_ACCURACY))
                details = {"interval": "Wilson 95%", "n_abstained": len(_declined(part))}
                out += [
                    Computed(
                        attack,
                        name + suffix,
                        est,
                        {**details, "meaning": meaning},
                        unscorable=False,
                    )
                    for name, est, meaning in estimates
                ]
        return out

    def by_columns(self) -> bool:
        return self.split is None

    def compute_columns(self, columns: Columns) -> list[Computed]:
        if self.only_if_abstained and not any(_declined_count(c) for c in columns.values()):
            return []
        out: list[Computed] = []
        for attack, part in columns.items():
            answered = part.is_metric(self.answered)
            estimates = [("coverage", _coverage_of_columns(part, self.answered), COVERAGE)]
            if self.accuracy:
                kept = rate_of_columns(part.where(answered))
                estimates.append(("selective_accuracy", kept, SELECTIVE_ACCURACY))
            details = {"interval": "Wilson 95%", "n_abstained": _declined_count(part)}
            out += [
                Computed(attack, name, est, {**details, "meaning": meaning}, unscorable=False)
                for name, est, meaning in estimates
            ]
        return out


def _declined_mask(columns: ScoreColumns) -> np.ndarray:
    return np.asarray(columns.is_metric(ABSTAINED) & (columns.value == 1.0))


def _declined_count(columns: ScoreColumns) -> int:
    return int(_declined_mask(columns).sum())


def _coverage_of_columns(columns: ScoreColumns, answered: str) -> Estimate:
    """``coverage_estimate`` of columns (sample positions stand for sample ids)."""
    declined = set(columns.position[_declined_mask(columns)].tolist())
    done_mask = columns.is_metric(answered) & ~columns.unscorable
    done = set(columns.position[done_mask].tolist()) - declined
    total = len(done) + len(declined)
    if total == 0:
        return Estimate(None, None, None, 0)
    low, high = wilson(len(done), total)
    return Estimate(len(done) / total, low, high, total)


COVERAGE = "share of samples answered (not abstained)"
SELECTIVE_ACCURACY = "accuracy among answered samples"


def _declined(scores: Sequence[Score]) -> list[Score]:
    return [s for s in scores if s.metric == ABSTAINED and s.value == 1.0]
