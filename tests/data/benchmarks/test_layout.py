"""The helpers every benchmark loader shares: where the copy's root is, counts against the
published ones, interleaving across categories, and a fingerprint over the files read."""

from __future__ import annotations

from pathlib import Path

import pytest

from vlmtrust.core.errors import DataError
from vlmtrust.data.benchmarks.layout import (
    Fingerprint,
    Layout,
    exists,
    interleave,
    locate,
    require,
    short_copy,
    short_total,
)

LAYOUT = Layout("Some Bench", "data/questions.csv and data/images/<id>.png")


def test_the_root_is_the_path_or_its_data_folder_and_else_one_line_naming_the_layout(
    tmp_path: Path,
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "questions.csv").write_text("id\n")
    (tmp_path / "outside.csv").write_text("id\n")
    assert locate(str(tmp_path), "questions.csv", LAYOUT) == tmp_path / "data"
    assert locate(str(tmp_path / "data"), "questions.csv", LAYOUT) == tmp_path / "data"
    with pytest.raises(DataError) as caught:
        locate(str(tmp_path), "answers.csv", LAYOUT)
    message = str(caught.value)
    assert (
        f"{tmp_path} has no answers.csv; expected the Some Bench layout: data/questions" in message
    )
    with pytest.raises(DataError, match="is missing; expected the Some Bench layout"):
        require(tmp_path, "data/images", LAYOUT, folder=True)
    with pytest.raises(DataError, match="outside the dataset folder"):
        require(tmp_path / "data", "../outside.csv", LAYOUT)


def test_counts_warn_once_naming_totals_and_the_categories_that_differ_missing_first() -> None:
    published = {"a": 5, "b": 5, "c": 5}
    assert short_copy("Some Bench", dict(published), published) == []
    (warning,) = short_copy("Some Bench", {"a": 5, "b": 2}, published, "questions")
    assert warning == (
        "a short copy: Some Bench holds 7 questions, the published copy 15 ('c' 0 of 5, 'b' 2 of 5)"
    )
    (extra,) = short_copy("Some Bench", {**published, "d": 1}, published)
    assert extra.startswith(
        "not the published copy: Some Bench holds 16 rows, the published copy 15"
    )
    assert "'d' is not a published category" in extra


def test_interleave_takes_one_per_category_in_turn() -> None:
    items = ["a1", "a2", "a3", "b1", "c1", "c2"]
    assert interleave(items, lambda i: i[0]) == ["a1", "b1", "c1", "a2", "c2", "a3"]


def test_the_fingerprint_covers_each_files_path_and_bytes(tmp_path: Path) -> None:
    for name, text in (("x", "1"), ("y", "2")):
        (tmp_path / name).write_text(text)

    def digest(*names: str) -> str:
        fingerprint = Fingerprint(tmp_path)
        for name in names:
            fingerprint.read(tmp_path / name)
        return fingerprint.hexdigest()

    assert digest("x", "y") == digest("x", "y") != digest("y", "x")
    (tmp_path / "y").write_text("3")
    assert digest("x", "y") != digest("y", "y")


def test_a_listed_file_counts_by_name_and_size_not_bytes(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("1")

    def digest(name: str) -> str:
        fingerprint = Fingerprint(tmp_path)
        fingerprint.listed(tmp_path / "x", name)
        return fingerprint.hexdigest()

    before = digest("in/x")
    assert digest("out/x") != before
    (tmp_path / "x").write_text("2")
    assert digest("in/x") == before  # same size: a listing cannot tell
    (tmp_path / "x").write_text("22")
    assert digest("in/x") != before


def test_a_missing_path_names_the_expected_layout(tmp_path: Path) -> None:
    layout = Layout("X", "labels.csv beside images/")
    assert exists(tmp_path, layout) == tmp_path
    with pytest.raises(DataError) as caught:
        exists(tmp_path / "labels.csv", layout)
    assert str(caught.value) == (
        f"{tmp_path / 'labels.csv'} does not exist; "
        "expected the X layout: labels.csv beside images/"
    )


def test_a_total_warns_only_when_it_differs_from_the_published_one() -> None:
    assert short_total("X val", 100, 100) == []
    (short,) = short_total("X val", 9, 1_000)
    assert "has 9 entries, the authors publish 1,000: a partial copy" in short
    (more,) = short_total("X val", 1_001, 1_000)
    assert "more than the authors publish" in more
