"""The raw rows of an image-folder dataset (``labels.jsonl`` or ``labels.csv`` + images), read
and written as they are: sanitize must give back the user's own format, not our Sample records."""

from __future__ import annotations

import csv
import io
import json
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

    @property
    def file(self) -> str:
        return str(self.fields["file"])

    @property
    def id(self) -> str:
        return str(self.fields.get("id") or default_id(self.file))


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
