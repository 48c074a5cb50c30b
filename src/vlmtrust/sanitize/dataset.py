"""The raw rows of a dataset copy, read and written as they are: sanitize must give back the
user's own format, not our Sample records. :class:`Copy` is what the pipeline needs from a
layout; :class:`FolderCopy` is an image folder (``labels.jsonl`` or ``labels.csv`` + images),
``sanitize.captions`` the published caption sets (COCO captions, Flickr30k)."""

from __future__ import annotations

import csv
import io
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vlmtrust.core.errors import DataError
from vlmtrust.core.paths import inside
from vlmtrust.data import default_id
from vlmtrust.data.table import csv_rows, read_utf8

LABEL_FILES = ("labels.jsonl", "labels.csv")


@dataclass(frozen=True)
class Row:
    line: int
    fields: dict[str, Any]
    #: the published split the row belongs to ("" for a folder: it has none)
    split: str = ""

    @property
    def file(self) -> str:
        return str(self.fields["file"])

    @property
    def id(self) -> str:
        return str(self.fields.get("id") or default_id(self.file))


class Copy(ABC):
    """A dataset copy: its rows (``file`` relative to :attr:`root`; text columns holding a
    string or a list of strings), and how to write the sanitized rows back in its own layout."""

    root: Path
    rows: list[Row]
    #: the fields holding caption text; None: the options' ``text_columns``
    columns: tuple[str, ...] | None = None

    def dedup_text(self, row: Row, columns: tuple[str, ...]) -> str | list[str]:
        """What near-duplicate detection compares: the text columns joined."""
        return " ".join(str(row.fields[c]) for c in columns if c in row.fields)

    @abstractmethod
    def fingerprint(self) -> bytes:
        """The bytes that identify this copy's rows (a resumed run must read the same)."""

    @abstractmethod
    def write(self, out: Path, rows: list[dict[str, Any]]) -> None:
        """Write the kept rows' sanitized fields, in input order, in this copy's layout."""


class FolderCopy(Copy):
    """An image folder with ``labels.jsonl`` or ``labels.csv``."""

    def __init__(self, data: Path) -> None:
        self.root = data
        self.labels = find_labels(data)
        self.rows = read_rows(self.labels)

    def fingerprint(self) -> bytes:
        return self.labels.read_bytes()

    def write(self, out: Path, rows: list[dict[str, Any]]) -> None:
        write_rows(out / self.labels.name, rows)


def find_labels(data: Path) -> Path:
    if not data.is_dir():
        raise DataError(f"{data} is not a directory", "pass an image folder with labels.jsonl")
    for name in LABEL_FILES:
        if inside(data, name, "labels file").is_file():
            return data / name
    raise DataError(f"{data} has no labels.jsonl or labels.csv", "add one with a 'file' column")


def read_rows(labels: Path) -> list[Row]:
    """Every row, with a DataError naming the line of a malformed one."""
    text = read_utf8(labels)
    rows: list[Row] = []
    if labels.suffix == ".csv":
        lines = io.StringIO(text, newline="")
        for number, fields in csv_rows(lines, labels, "fix that line", required=("file",)):
            rows.append(Row(number, {k: v for k, v in fields.items() if v not in (None, "")}))
    else:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                fields = json.loads(line)
            except json.JSONDecodeError as err:
                raise DataError(
                    f"{labels}:{number} is not JSON ({err.msg})", "fix the line"
                ) from None
            if not isinstance(fields, dict):
                raise DataError(f"{labels}:{number} is not a JSON object", "fix the line")
            rows.append(Row(number, fields))
    for row in rows:
        if not isinstance(row.fields.get("file"), str) or not row.fields["file"]:
            raise DataError(f"{labels}:{row.line} has no 'file'", "name the image in 'file'")
    return rows


def write_rows(labels: Path, rows: list[dict[str, Any]]) -> None:
    """Write ``rows`` in the format of ``labels``' suffix, atomically (temp file + rename)."""
    tmp = labels.with_name(labels.name + ".tmp")
    if labels.suffix == ".csv":
        columns: list[str] = []
        for row in rows:
            columns.extend(k for k in row if k not in columns)
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
    else:
        tmp.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
    tmp.replace(labels)
