"""What the published caption sets share when sanitized: one row per image (``id`` as the data
source names the sample, ``file`` relative to the copy's root, and one list of captions per
caption file), dedup over an image's captions, and atomic writes of the rewritten files."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from vlmtrust.sanitize.dataset import Copy, Row


class CaptionCopy(Copy):
    """A caption set read as published; subclasses write their own annotation files back."""

    def __init__(
        self, root: Path, rows: list[Row], files: list[Path], columns: tuple[str, ...]
    ) -> None:
        self.root = root
        self.rows = rows
        self.files = files
        self.columns = columns

    def dedup_text(self, row: Row, columns: tuple[str, ...]) -> list[str]:
        """The image's captions from the first caption file that has any, each compared on its
        own (several files hold the same captions: comparing both would count them twice)."""
        for column in columns:
            texts = row.fields.get(column)
            if texts:
                return [str(t).strip() for t in texts]
        return []

    def fingerprint(self) -> bytes:
        return b"".join(f.name.encode() + b"\0" + f.read_bytes() for f in self.files)


def write_text(file: Path, text: str) -> None:
    """``text`` to ``file`` through a temporary file and a rename: never half a file."""
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_name(file.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(file)


def write_json(file: Path, table: dict[str, Any]) -> None:
    write_text(file, json.dumps(table))


def tokens(text: str) -> list[str]:
    """Karpathy's ``tokens`` of a caption: its lower-cased words, punctuation dropped."""
    return re.findall(r"[a-z0-9]+", text.lower())
