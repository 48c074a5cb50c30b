"""An image folder described by ``labels.csv`` or ``labels.jsonl``.

Each row names an image by ``file`` (relative to the labels file). ``id`` defaults to that path
without its extension; ``prompt`` is optional; ``group_*`` columns are group attributes (prefix
stripped, values as strings); well-known demographic columns (``gender``, ``race``, ``age``, ...,
see ``DEMOGRAPHIC_COLUMNS``) are group attributes too *and* stay labels, so a FairFace-style
``file,age,gender,race`` CSV is group-annotated without renaming (and zero-shot tasks can still
predict ``gender``); every other column is a label. CSV cells that look like numbers
become numbers, so ``count=3`` compares equal to a model's integer answer. JSONL rows may also
nest ``{"file": ..., "labels": {...}, "groups": {...}}``. Empty cells and JSON nulls are absent.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from vlmtrust.core.errors import DataError
from vlmtrust.core.images import DEFAULT_MAX_PIXELS
from vlmtrust.core.paths import OutsideRoot, inside
from vlmtrust.core.records import LabelValue, Sample
from vlmtrust.data import OUTSIDE, BadItem, default_id, make_sample
from vlmtrust.data.table import csv_rows

GROUP_PREFIX = "group_"
#: columns that name who is shown (FairFace, UTKFace, CelebA-style): groups as well as labels
DEMOGRAPHIC_COLUMNS = frozenset(
    {"gender", "sex", "race", "ethnicity", "age", "age_group", "skin_tone", "religion"}
)
_FIELDS = frozenset({"file", "id", "prompt"})
_FIX = "fix that line (each row needs a 'file' naming an image relative to the labels file)"
# Leading zeros stay text: "007" is an identifier, not the number 7.
_INT = re.compile(r"[+-]?(0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[+-]?((0|[1-9][0-9]*)(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


@dataclass
class _Row:
    line: int
    fields: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, Any] = field(default_factory=dict)
    groups: dict[str, Any] = field(default_factory=dict)

    def add(self, key: str, value: Any) -> None:
        """Sort one flat column into fields, groups (``group_`` prefix) or labels."""
        if key in _FIELDS:
            self.fields[key] = value
        elif key.startswith(GROUP_PREFIX):
            self.groups[key.removeprefix(GROUP_PREFIX)] = value
        else:
            self.labels[key] = value
            if key.lower() in DEMOGRAPHIC_COLUMNS and key not in self.groups:
                self.groups[key] = value


def read_folder(
    labels_file: Path, limit: int | None, max_pixels: int | None = DEFAULT_MAX_PIXELS
) -> Iterator[Sample | BadItem]:
    """Yield one Sample or BadItem per row; a malformed row raises DataError naming its line.
    An image named outside the labels file's folder (``..``, absolute, a symlink out) is a
    bad item, never read."""
    rows = _csv_rows(labels_file) if labels_file.suffix == ".csv" else _jsonl_rows(labels_file)
    try:
        for row in islice(rows, limit):
            yield _entry(labels_file, row, max_pixels)
    except UnicodeDecodeError as err:
        raise DataError(
            f"{labels_file} is not UTF-8 text ({err.reason} at byte {err.start})",
            "save it as UTF-8",
        ) from None


def _entry(labels_file: Path, row: _Row, max_pixels: int | None) -> Sample | BadItem:
    file, sample_id, prompt = (row.fields.get(k) for k in ("file", "id", "prompt"))
    if not isinstance(file, str) or not file:
        raise _malformed(labels_file, row.line, "has no 'file'")
    if prompt is not None and not isinstance(prompt, str):
        raise _malformed(labels_file, row.line, "has a 'prompt' that is not a string")
    labels = {k: v for k, v in row.labels.items() if v is not None}
    bad = next((k for k, v in labels.items() if not isinstance(v, str | int | float | bool)), None)
    if bad is not None:
        raise _malformed(labels_file, row.line, f"has label {bad!r} that is not a scalar")
    fields = {
        "id": default_id(file) if sample_id is None else str(sample_id),
        "prompt": prompt,
        "labels": labels,
        "groups": {k: str(v) for k, v in row.groups.items() if v is not None},
    }
    shown = str(labels_file.parent / file)
    try:
        image_path = inside(labels_file.parent, file)
    except OutsideRoot:
        return BadItem(path=shown, reason=OUTSIDE)
    if not image_path.is_file():
        return BadItem(path=shown, reason="missing file")
    try:
        data = image_path.read_bytes()
    except OSError as err:
        return BadItem(path=shown, reason=f"unreadable file ({err.strerror})")
    return make_sample(data, fields, shown, max_pixels)


def _csv_rows(labels_file: Path) -> Iterator[_Row]:
    with labels_file.open(newline="", encoding="utf-8-sig") as handle:
        for line, cells in csv_rows(handle, labels_file, _FIX, required=("file",)):
            row = _Row(line)
            for key, text in cells.items():
                if text:
                    row.add(key, text)
            row.labels = {k: _number_or_text(v) for k, v in row.labels.items()}
            yield row


def _number_or_text(text: str) -> LabelValue:
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text) and math.isfinite(number := float(text)):
        return number
    return text


def _jsonl_rows(labels_file: Path) -> Iterator[_Row]:
    with labels_file.open(encoding="utf-8-sig") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as err:
                raise _malformed(labels_file, line, f"is not valid JSON ({err.msg})") from None
            if not isinstance(value, dict):
                raise _malformed(labels_file, line, "is not a JSON object")
            row = _Row(line)
            for key, item in value.items():
                if key in ("labels", "groups"):
                    if not isinstance(item, dict):
                        raise _malformed(labels_file, line, f"has {key!r} that is not an object")
                    (row.labels if key == "labels" else row.groups).update(item)
                else:
                    row.add(key, item)
            yield row


def _malformed(labels_file: Path, line: int, problem: str) -> DataError:
    return DataError(f"{labels_file} line {line} {problem}", _FIX)
