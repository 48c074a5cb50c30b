"""Strict CSV for every table a user hands us (``labels.csv``, a filled-in review file) and the
formula guard for every CSV we hand back.

Python's csv module is lenient by default: an unterminated quote swallows every row after it
into one cell, silently. Here it is an error naming the line where the quote opened, and so is
a stray quote inside a field.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from vlmtrust.core.errors import DataError

#: What a spreadsheet executes when a cell starts with it (OWASP's CSV injection list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def csv_rows(
    lines: Iterable[str], source: Path | str, fix: str, required: Iterable[str] = ()
) -> Iterator[tuple[int, dict[str, str | None]]]:
    """``(first line of the row, {column: cell})`` for each row after the header.

    Raises DataError naming ``source`` and the line on malformed CSV (an unterminated or stray
    quote), a header without a ``required`` column, or a row with more cells than the header;
    a missing cell is None.
    """
    reader = csv.DictReader(lines, strict=True)
    start = 0
    try:
        missing = [c for c in required if c not in (reader.fieldnames or ())]
        if missing:
            names = ", ".join(repr(c) for c in missing)
            raise DataError(f"{source} line 1 (the header) has no {names} column", fix)
        start = reader.line_num
        for cells in reader:
            if None in cells:
                raise DataError(f"{source} line {start + 1} has more cells than the header", fix)
            yield start + 1, cells
            start = reader.line_num
    except csv.Error as err:
        reason = str(err)
        if "unexpected end of data" in reason or "EOF" in reason:
            reason = "a quote opened on this line is never closed"
        raise DataError(f"{source} line {start + 1} is not valid CSV ({reason})", fix) from None


def read_utf8(path: Path) -> str:
    """A user's text file (a BOM is dropped), or a DataError saying where it is not UTF-8."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        problem = f"{path} is not UTF-8 text ({err.reason} at byte {err.start})"
        raise DataError(problem, "save it as UTF-8") from None


def spreadsheet_safe(value: Any) -> Any:
    """``value`` with a leading ``'`` when a spreadsheet would run it as a formula; numbers,
    including negative ones, stay numbers."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if _NUMBER.fullmatch(value):
        return value
    return "'" + value


def unspreadsheet(value: str) -> str:
    """Undo :func:`spreadsheet_safe` on a cell read back from an exported file."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value
