"""Shared checks of group-annotated benchmarks: files present, counts against published ones."""

from pathlib import Path

import pytest

from vlmtrust.core.errors import DataError
from vlmtrust.data.benchmarks.group_layout import count_warning, required


def test_a_missing_file_names_the_expected_layout(tmp_path: Path) -> None:
    assert required(tmp_path, "a layout") == tmp_path
    with pytest.raises(DataError) as caught:
        required(tmp_path / "labels.csv", "labels.csv beside images/")
    assert str(caught.value) == (
        f"{tmp_path / 'labels.csv'} does not exist; expected labels.csv beside images/"
    )


def test_counts_warn_only_when_they_differ_from_the_published_ones() -> None:
    assert count_warning("X val", 100, 100) is None
    short = count_warning("X val", 9, 1_000)
    assert short is not None and "has 9 entries, the authors publish 1,000: a partial copy" in short
    more = count_warning("X val", 1_001, 1_000)
    assert more is not None and "more than the authors publish" in more
