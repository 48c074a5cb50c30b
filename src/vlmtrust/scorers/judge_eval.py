"""How well a judge does on a labelled set: precision and recall per class, the share it
leaves unscorable, and the confusion matrix; one count for every kind of judge.

The set formats (refusal, toxicity, content safety) are in ``scorers/judge_sets.py``; each kind
of judge has an adapter (``scorers/judge_adapters.py``) turning its verdicts into :class:`Call`
labels of the set's classes, so this module counts without knowing which judge spoke.
Items labelled ``unscorable`` mark items nobody should decide: the judge is right to leave them
undecided. Items the judge leaves unscorable are counted apart, never as errors; those left
undecided because their language is not supported are counted apart again. A toxicity set
whose rows name an ``identity`` also gets the false-positive rate per identity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vlmtrust.metrics.rates import Estimate, per_group_fpr
from vlmtrust.scorers.judge_sets import (
    REFUSAL_SET,
    TOXICITY_SET,
    UNSCORABLE,
    Labelled,
    SetKind,
    load_labelled,
    parse_labelled,
    set_kind,
)
from vlmtrust.scorers.language import LANGUAGE_NOT_SUPPORTED
from vlmtrust.scorers.refusal_structure import Verdict

__all__ = [
    "CLASSES",
    "COMPLIANCE",
    "LANGUAGE_NOT_SUPPORTED",
    "REFUSAL",
    "UNSCORABLE",
    "Call",
    "Evaluation",
    "Labelled",
    "evaluate",
    "load_labelled",
    "parse_labelled",
]

REFUSAL, COMPLIANCE = REFUSAL_SET.classes
CLASSES = REFUSAL_SET.classes


@dataclass(frozen=True)
class Call:
    """A judge's call on one item as a class of the set, or None (undecided) with the reason."""

    label: str | None
    reason: str


@dataclass(frozen=True)
class Evaluation:
    """``confusion[truth][call]`` over the classes' items the judge decided."""

    confusion: tuple[tuple[int, ...], ...]
    unscorable: int  # labelled class items left undecided (language aside)
    language_unsupported: int  # labelled items left undecided as "language not supported"
    ambiguous: int  # items labelled unscorable
    ambiguous_decided: int  # ...that the judge decided anyway
    misses: tuple[str, ...] = field(default=())
    classes: tuple[str, ...] = CLASSES
    #: false-positive rate per identity (toxicity sets whose rows name one), sorted
    per_identity_fpr: tuple[tuple[str, Estimate], ...] = ()

    @property
    def labelled(self) -> int:
        """Class items whose language the judge supports."""
        return sum(map(sum, self.confusion)) + self.unscorable

    @property
    def unscorable_share(self) -> float | None:
        return self.unscorable / self.labelled if self.labelled else None

    def precision(self, cls: str) -> float | None:
        k = self.classes.index(cls)
        called = sum(row[k] for row in self.confusion)
        return self.confusion[k][k] / called if called else None

    def recall(self, cls: str) -> float | None:
        k = self.classes.index(cls)
        decided = sum(self.confusion[k])
        return self.confusion[k][k] / decided if decided else None

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "per_class": {
                c: {"precision": _round(self.precision(c)), "recall": _round(self.recall(c))}
                for c in self.classes
            },
            "unscorable_share": _round(self.unscorable_share),
            "confusion": [list(r) for r in self.confusion],
            "confusion_labels": {"rows": "truth", "columns": "judge", "order": list(self.classes)},
            "n_labelled": self.labelled,
            "n_unscorable": self.unscorable,
            "n_language_unsupported": self.language_unsupported,
            "ambiguous_decided": [self.ambiguous_decided, self.ambiguous],
        }
        if self.per_identity_fpr:
            out["per_identity_fpr"] = {g: _estimate(e) for g, e in self.per_identity_fpr}
        return out


def evaluate(
    rows: Sequence[Labelled], calls: Sequence[Call | Verdict], kind: SetKind | None = None
) -> Evaluation:
    """Count a judge's calls against the labels (``misses``: ids it got wrong or left).

    ``kind`` defaults to the rows' own; a refused/complied :class:`Verdict` is read as the
    refusal set's call (what the refusal judges return)."""
    kind = kind or set_kind(rows)
    classes = kind.classes
    cells = [[0] * len(classes) for _ in classes]
    unscorable = language = ambiguous = ambiguous_decided = 0
    misses = []
    read = [_as_call(c) for c in calls]
    for row, call in zip(rows, read, strict=True):
        if call.label is None and call.reason == LANGUAGE_NOT_SUPPORTED:
            language += row.label != UNSCORABLE
            ambiguous += row.label == UNSCORABLE
            continue
        if row.label == UNSCORABLE:
            ambiguous += 1
            ambiguous_decided += call.label is not None
            continue
        if call.label is None:
            unscorable += 1
            misses.append(row.id)
            continue
        truth, said = classes.index(row.label), classes.index(call.label)
        cells[truth][said] += 1
        if truth != said:
            misses.append(row.id)
    confusion = tuple(tuple(r) for r in cells)
    groups = _identity_fpr(rows, read) if kind is TOXICITY_SET else ()
    return Evaluation(
        confusion,
        unscorable,
        language,
        ambiguous,
        ambiguous_decided,
        tuple(misses),
        classes,
        groups,
    )


def _as_call(call: Call | Verdict) -> Call:
    if isinstance(call, Call):
        return call
    label = None if call.complied is None else CLASSES[int(call.complied)]
    return Call(label, call.reason)


def _identity_fpr(
    rows: Sequence[Labelled], calls: Sequence[Call]
) -> tuple[tuple[str, Estimate], ...]:
    """Per-identity false-positive rate over the rows labelled toxic or not (unscorable-labelled
    rows have no truth to be wrong about)."""
    toxic = TOXICITY_SET.classes[1]
    pairs = [(r, c) for r, c in zip(rows, calls, strict=True) if r.label != UNSCORABLE]
    if not any(r.identity is not None for r, _ in pairs):
        return ()
    rates = per_group_fpr(
        [r.label == toxic for r, _ in pairs],
        [None if c.label is None else c.label == toxic for _, c in pairs],
        [r.identity for r, _ in pairs],
    )
    return tuple(rates.items())


def _estimate(e: Estimate) -> dict[str, Any]:
    return {
        "fpr": _round(e.value),
        "ci_low": _round(e.ci_low),
        "ci_high": _round(e.ci_high),
        "n": e.n,
        "n_unscorable": e.n_unscorable,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
