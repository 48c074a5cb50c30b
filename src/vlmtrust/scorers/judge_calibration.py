"""How a binary judge measured itself on its shipped calibration set, as result rows.

Every task that uses a judge emits these rows (``attack="calibration"``) so a report can show
how far the judge behind a rate can be trusted. Items the judge cannot decide are counted apart
(``unscorable``), never as hits or misses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vlmtrust.core.records import MetricRow
from vlmtrust.metrics.rates import wilson


@dataclass(frozen=True)
class JudgeCalibration:
    """A confusion matrix over the decided calibration items, plus what was left undecided."""

    judge: str
    labels: tuple[str, str]  # (negative, positive)
    tn: int
    fp: int
    fn: int
    tp: int
    unscorable: int

    @classmethod
    def count(
        cls,
        judge: str,
        labels: tuple[str, str],
        truth: Sequence[bool],
        decided: Sequence[bool | None],
    ) -> JudgeCalibration:
        """``decided[i]`` is the judge's call on item i, or None when it could not decide."""
        cells = {"tn": 0, "fp": 0, "fn": 0, "tp": 0}
        undecided = 0
        for real, call in zip(truth, decided, strict=True):
            if call is None:
                undecided += 1
                continue
            cells[("t" if call == real else "f") + ("p" if call else "n")] += 1
        return cls(judge, labels, unscorable=undecided, **cells)

    @classmethod
    def from_summary(
        cls, judge: str, labels: tuple[str, str], summary: Mapping[str, Any]
    ) -> JudgeCalibration:
        """From a labelled-set evaluation's ``summary()`` (``scorers/judge_eval.py``)."""
        (tn, fp), (fn, tp) = summary["confusion"]
        return cls(judge, labels, tn, fp, fn, tp, summary["n_unscorable"])

    @property
    def precision(self) -> float | None:
        called = self.tp + self.fp
        return self.tp / called if called else None

    @property
    def recall(self) -> float | None:
        real = self.tp + self.fn
        return self.tp / real if real else None

    def rows(
        self,
        task: str,
        mitigation: str,
        model: str,
        extra: Mapping[str, Any] | None = None,
        set_name: str | None = None,
    ) -> list[MetricRow]:
        """``judge.<judge>.precision`` and ``.recall`` with Wilson intervals and the confusion
        (plus any judge-specific ``extra`` details); ``judge.<judge>.<set_name>.*`` for a
        judge's further calibration sets."""
        prefix = f"judge.{self.judge}" + (f".{set_name}" if set_name else "")
        details = {
            "confusion": [[self.tn, self.fp], [self.fn, self.tp]],
            "labels": list(self.labels),
            "unscorable": self.unscorable,
            **(extra or {}),
        }
        out = []
        for metric, hits, n in (
            ("precision", self.tp, self.tp + self.fp),
            ("recall", self.tp, self.tp + self.fn),
        ):
            low, high = wilson(hits, n) if n else (None, None)
            out.append(
                MetricRow(
                    task=task,
                    attack="calibration",
                    mitigation=mitigation,
                    metric=f"{prefix}.{metric}",
                    value=hits / n if n else None,
                    ci_low=low,
                    ci_high=high,
                    n=n,
                    model=model,
                    details=details,
                )
            )
        return out


def set_details(name: str, file: str, role: str, summary: Mapping[str, Any]) -> dict[str, Any]:
    """What a calibration row says about the set it was measured on: which set, its role
    (tuned on, or held out), per-class numbers and what was left undecided."""
    return {
        "set": name,
        "file": file,
        "role": role,
        "per_class": summary["per_class"],
        "unscorable_share": summary["unscorable_share"],
        "n_language_unsupported": summary["n_language_unsupported"],
    }
