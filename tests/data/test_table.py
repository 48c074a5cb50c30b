"""data/table: strict CSV and the spreadsheet formula guard."""

from __future__ import annotations

import io

import pytest

from vlmtrust.core.errors import DataError
from vlmtrust.data.table import csv_rows, read_utf8, spreadsheet_safe, unspreadsheet


def _rows(text: str) -> list[tuple[int, dict[str, str | None]]]:
    return list(csv_rows(io.StringIO(text, newline=""), "t.csv", "fix it", required=("a",)))


def test_rows_carry_the_line_they_start_on() -> None:
    rows = _rows('a,b\n1,"x\ny"\n2,z\n')
    assert [(line, cells["a"]) for line, cells in rows] == [(2, "1"), (4, "2")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('a,b\n1,x\n2,"open\n3,z\n', "t.csv line 3 .*never closed"),
        ('a,b\n1,"x"y\n', "t.csv line 2 is not valid CSV"),
        ("a,b\n1,2,3\n", "t.csv line 2 has more cells than the header"),
        ("b,c\n1,2\n", "t.csv line 1 .*has no 'a' column"),
    ],
)
def test_malformed_tables_name_the_line(text: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        _rows(text)


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+2", "'=1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+33 1 23", "'+33 1 23"),
        ("-x", "'-x"),
        ("\t=1", "'\t=1"),
        ("-1.5", "-1.5"),
        ("+2e3", "+2e3"),
        ("plain", "plain"),
        (3, 3),
    ],
)
def test_formula_cells_are_neutralised_and_read_back(cell: object, written: object) -> None:
    assert spreadsheet_safe(cell) == written
    if isinstance(written, str):
        assert unspreadsheet(written) == cell


def test_text_that_is_not_utf8_is_a_data_error(tmp_path) -> None:
    path = tmp_path / "labels.csv"
    path.write_bytes(b"file\n\xff\xfe.png\n")
    with pytest.raises(DataError, match="is not UTF-8 text"):
        read_utf8(path)
    path.write_bytes("\ufefffile\n".encode())
    assert read_utf8(path) == "file\n"  # a spreadsheet's BOM is dropped
