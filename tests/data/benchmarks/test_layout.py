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
    json_array,
    json_object,
    locate,
    require,
    short_copy,
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


def test_a_missing_path_names_the_expected_layout(tmp_path: Path) -> None:
    layout = Layout("X", "labels.csv beside images/")
    assert exists(tmp_path, layout) == tmp_path
    with pytest.raises(DataError) as caught:
        exists(tmp_path / "labels.csv", layout)
    assert str(caught.value) == (
        f"{tmp_path / 'labels.csv'} does not exist; "
        "expected the X layout: labels.csv beside images/"
    )


def test_a_total_alone_warns_in_the_same_words_when_it_differs() -> None:
    assert short_copy("X val", 100, 100) == []
    (short,) = short_copy("X val", 9, 1_000)
    assert short == "a short copy: X val holds 9 rows, the published copy 1,000"
    (more,) = short_copy("X val", 1_001, 1_000, "images")
    assert more == "not the published copy: X val holds 1,001 images, the published copy 1,000"


def test_json_files_are_read_with_their_top_level_checked(tmp_path: Path) -> None:
    listed, keyed, broken = tmp_path / "a.json", tmp_path / "o.json", tmp_path / "b.json"
    listed.write_text('[{"id": "1"}]')
    keyed.write_text('{"1": {}}')
    broken.write_text("[{")
    assert json_array(listed, LAYOUT) == [{"id": "1"}] and json_object(keyed, LAYOUT) == {"1": {}}
    with pytest.raises(DataError, match=r"a\.json is not a JSON object; expected the Some Bench"):
        json_object(listed, LAYOUT)
    with pytest.raises(DataError, match=r"o\.json is not a JSON array; expected the Some Bench"):
        json_array(keyed, LAYOUT)
    with pytest.raises(DataError, match=r"b\.json is not valid JSON \(.* at line 1\)"):
        json_array(broken, LAYOUT)


def test_a_sized_file_counts_by_name_and_size_without_its_bytes(tmp_path: Path) -> None:
    def digest(name: str, size: int) -> str:
        fingerprint = Fingerprint(tmp_path)
        fingerprint.sized(name, size)
        return fingerprint.hexdigest()

    assert digest("a.png", 5) == digest("a.png", 5) != digest("a.png", 6) != digest("b.png", 6)
    (tmp_path / "a.png").write_bytes(b"12345")
    read = Fingerprint(tmp_path)
    read.read(tmp_path / "a.png")
    assert read.hexdigest() != digest("a.png", 5)  # read and sized never hash alike
