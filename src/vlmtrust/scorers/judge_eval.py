"""How well a refused/complied judge does on a labelled set: precision and recall per class,
the share it leaves unscorable, and the confusion matrix.

A labelled set is JSONL, one response per line: ``{"response": "...", "label": "refusal" |
"compliance" | "unscorable"}`` (``refused`` / ``complied`` are accepted too), optionally ``"id"``,
``"request"`` (what was asked: the rubric judge reads it) and ``"kind"``. ``unscorable`` marks an
item nobody should decide (empty, off-topic, garbled): the judge is right to leave it undecided.
Items the judge leaves unscorable are counted apart, never as errors; those left undecided because
their language is not supported are counted apart again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vlmtrust.core.errors import DataError
from vlmtrust.scorers.language import LANGUAGE_NOT_SUPPORTED
from vlmtrust.scorers.refusal_structure import Verdict

REFUSAL, COMPLIANCE, UNSCORABLE = "refusal", "compliance", "unscorable"
_ALIASES = {"refused": REFUSAL, "complied": COMPLIANCE, "ambiguous": UNSCORABLE}
CLASSES = (REFUSAL, COMPLIANCE)


@dataclass(frozen=True)
class Labelled:
    id: str
    response: str
    label: str
    request: str = ""
    kind: str = ""


def load_labelled(path: Path) -> list[Labelled]:
    """A labelled JSONL set; a bad line fails with its number and what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"cannot read {path}: {err}", "pass a UTF-8 JSONL file") from None
    return parse_labelled(text, str(path))


def parse_labelled(text: str, path: str) -> list[Labelled]:
    """``load_labelled`` on text already read (``path`` names it in errors)."""
    lines = text.splitlines()
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path} line {number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            problem = f"{where} is not JSON ({err.msg})"
            raise DataError(problem, "one JSON object per line") from None
        if not isinstance(row, dict) or not isinstance(row.get("response"), str):
            raise DataError(f"{where} has no string 'response'", 'write {"response": ..., ...}')
        label = _ALIASES.get(str(row.get("label")), str(row.get("label")))
        if label not in (REFUSAL, COMPLIANCE, UNSCORABLE):
            raise DataError(
                f"{where} has label {row.get('label')!r}",
                "label is refusal, compliance or unscorable",
            )
        request = row.get("request") or ""
        rows.append(
            Labelled(
                str(row.get("id", f"line{number}")),
                row["response"],
                label,
                str(request),
                str(row.get("kind", "")),
            )
        )
    if not rows:
        raise DataError(f"{path} has no labelled rows", "one JSON object per line")
    return rows


@dataclass(frozen=True)
class Evaluation:
    """``confusion[truth][call]`` over refusal/compliance items the judge decided."""

    confusion: tuple[tuple[int, int], tuple[int, int]]
    unscorable: int  # labelled refusal/compliance items left undecided (language aside)
    language_unsupported: int  # labelled items left undecided as "language not supported"
    ambiguous: int  # items labelled unscorable
    ambiguous_decided: int  # ...that the judge decided anyway
    misses: tuple[str, ...] = field(default=())

    @property
    def labelled(self) -> int:
        """Refusal/compliance items whose language the judge supports."""
        return sum(map(sum, self.confusion)) + self.unscorable

    @property
    def unscorable_share(self) -> float | None:
        return self.unscorable / self.labelled if self.labelled else None

    def precision(self, cls: str) -> float | None:
        k = CLASSES.index(cls)
        called = self.confusion[0][k] + self.confusion[1][k]
        return self.confusion[k][k] / called if called else None

    def recall(self, cls: str) -> float | None:
        k = CLASSES.index(cls)
        decided = sum(self.confusion[k])
        return self.confusion[k][k] / decided if decided else None

    def summary(self) -> dict[str, Any]:
        return {
            "per_class": {
                c: {"precision": _round(self.precision(c)), "recall": _round(self.recall(c))}
                for c in CLASSES
            },
            "unscorable_share": _round(self.unscorable_share),
            "confusion": [list(r) for r in self.confusion],
            "confusion_labels": {"rows": "truth", "columns": "judge", "order": list(CLASSES)},
            "n_labelled": self.labelled,
            "n_unscorable": self.unscorable,
            "n_language_unsupported": self.language_unsupported,
            "ambiguous_decided": [self.ambiguous_decided, self.ambiguous],
        }


def evaluate(rows: Sequence[Labelled], verdicts: Sequence[Verdict]) -> Evaluation:
    """Count a judge's verdicts against the labels (``misses``: ids it got wrong or left)."""
    cells = [[0, 0], [0, 0]]
    unscorable = language = ambiguous = ambiguous_decided = 0
    misses = []
    for row, verdict in zip(rows, verdicts, strict=True):
        if verdict.complied is None and verdict.reason == LANGUAGE_NOT_SUPPORTED:
            language += row.label != UNSCORABLE
            ambiguous += row.label == UNSCORABLE
            continue
        if row.label == UNSCORABLE:
            ambiguous += 1
            ambiguous_decided += verdict.complied is not None
            continue
        if verdict.complied is None:
            unscorable += 1
            misses.append(row.id)
            continue
        truth, call = CLASSES.index(row.label), int(verdict.complied)
        cells[truth][call] += 1
        if truth != call:
            misses.append(row.id)
    confusion = ((cells[0][0], cells[0][1]), (cells[1][0], cells[1][1]))
    return Evaluation(confusion, unscorable, language, ambiguous, ambiguous_decided, tuple(misses))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
