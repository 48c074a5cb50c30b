"""Dataset loaders on real files in tmp_path: folders with CSV/JSONL labels and saved datasets."""

from __future__ import annotations

import io
import json
from pathlib import Path

import datasets
import pytest
from PIL import Image

from vlmtrust.core.errors import DataError
from vlmtrust.data import BadItem, load_data


def _image_bytes(
    color: tuple[int, int, int], fmt: str = "PNG", size: tuple[int, int] = (8, 6)
) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format=fmt)
    return buf.getvalue()


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def csv_folder(tmp_path: Path) -> Path:
    _write(tmp_path, "red.png", _image_bytes((255, 0, 0)))
    _write(tmp_path, "sub/blue.jpg", _image_bytes((0, 0, 255), "JPEG"))
    (tmp_path / "labels.csv").write_text(
        "file,id,prompt,shape,count,score,code,group_skin\n"
        "red.png,,what is it?,circle,3,0.5,007,A\n"
        "sub/blue.jpg,b1,,square,-2,1e-3,x,B\n"
    )
    return tmp_path


def test_csv_folder_reads_labels_groups_prompt_and_numbers(csv_folder: Path) -> None:
    loaded = load_data(csv_folder)
    assert loaded.skipped == []
    red, blue = loaded.samples
    assert red.id == "red" and blue.id == "b1"
    assert red.prompt == "what is it?" and blue.prompt is None
    assert red.labels == {"shape": "circle", "count": 3, "score": 0.5, "code": "007"}
    assert blue.labels == {"shape": "square", "count": -2, "score": 0.001, "code": "x"}
    assert red.groups == {"skin": "A"} and blue.groups == {"skin": "B"}
    assert blue.source == str(csv_folder / "sub/blue.jpg")
    assert blue.image == (csv_folder / "sub/blue.jpg").read_bytes()
    assert red.load_image().getpixel((0, 0)) == (255, 0, 0)


def test_jsonl_folder_reads_flat_and_nested_rows(tmp_path: Path) -> None:
    _write(tmp_path, "a.png", _image_bytes((0, 255, 0)))
    _write(tmp_path, "imgs/b.png", _image_bytes((0, 0, 0)))
    rows = [
        {"file": "a.png", "prompt": "p", "colour": "green", "group_age": 30, "ok": True},
        {
            "file": "imgs/b.png",
            "id": 7,
            "labels": {"colour": "black", "n": 2},
            "groups": {"g": "x"},
        },
        {"file": "a.png", "id": "again", "colour": None},
    ]
    (tmp_path / "labels.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    a, b, again = load_data(tmp_path).samples
    assert (a.id, a.prompt, a.labels, a.groups) == (
        "a",
        "p",
        {"colour": "green", "ok": True},
        {"age": "30"},
    )
    assert (b.id, b.labels, b.groups) == ("7", {"colour": "black", "n": 2}, {"g": "x"})
    assert again.labels == {}


@pytest.fixture
def folder_with_bad_items(csv_folder: Path) -> Path:
    _write(csv_folder, "broken.png", b"\x89PNG not really an image")
    with (csv_folder / "labels.csv").open("a") as handle:
        handle.write("broken.png,,,circle,1,0,,A\nmissing.png,,,star,1,0,,B\n")
    return csv_folder


def test_bad_items_fail_by_default_naming_the_first(folder_with_bad_items: Path) -> None:
    with pytest.raises(DataError) as err:
        load_data(folder_with_bad_items)
    message = str(err.value)
    assert str(folder_with_bad_items / "broken.png") in message
    assert "not a readable image" in message and "1 more" in message


def test_bad_items_are_listed_when_skipped(folder_with_bad_items: Path) -> None:
    loaded = load_data(folder_with_bad_items, on_bad="skip")
    assert [s.id for s in loaded.samples] == ["red", "b1"]
    assert loaded.skipped == [
        BadItem(str(folder_with_bad_items / "broken.png"), loaded.skipped[0].reason),
        BadItem(str(folder_with_bad_items / "missing.png"), "missing file"),
    ]
    assert loaded.skipped[0].reason.startswith("not a readable image")


def test_limit_keeps_the_first_entries(folder_with_bad_items: Path) -> None:
    assert [s.id for s in load_data(folder_with_bad_items, limit=1).samples] == ["red"]
    assert len(load_data(folder_with_bad_items, limit=2).samples) == 2


def test_malformed_jsonl_line_is_named(tmp_path: Path) -> None:
    _write(tmp_path, "a.png", _image_bytes((1, 2, 3)))
    (tmp_path / "labels.jsonl").write_text('{"file": "a.png"}\n{"file": "a.png",\n')
    with pytest.raises(DataError, match="line 2 is not valid JSON") as err:
        load_data(tmp_path)
    assert str(tmp_path / "labels.jsonl") in str(err.value)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("name,shape\na.png,circle\n", "line 1 (the header) has no 'file' column"),
        ("file,shape\na.png,circle,extra\n", "line 2 has more cells than the header"),
        ("file,shape\n,circle\n", "line 2 has no 'file'"),
    ],
)
def test_malformed_csv_is_named(tmp_path: Path, content: str, problem: str) -> None:
    (tmp_path / "labels.csv").write_text(content)
    with pytest.raises(DataError) as err:
        load_data(tmp_path)
    assert f"{tmp_path / 'labels.csv'} {problem}" in str(err.value)


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    _write(tmp_path, "a.png", _image_bytes((1, 2, 3)))
    _write(tmp_path, "a.jpg", _image_bytes((1, 2, 3), "JPEG"))
    (tmp_path / "labels.csv").write_text("file\na.png\na.jpg\n")
    with pytest.raises(DataError, match="duplicate sample id 'a'"):
        load_data(tmp_path)


def test_missing_path_and_unknown_layout_are_explained(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist") as err:
        load_data(tmp_path / "nope")
    assert str(tmp_path / "nope") in str(err.value)
    with pytest.raises(DataError, match=r"labels\.csv or labels\.jsonl"):
        load_data(tmp_path)


def test_exif_rotated_and_uncommon_formats_become_png(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    buf = io.BytesIO()
    Image.new("RGB", (8, 4), (200, 0, 0)).save(buf, format="JPEG", exif=exif)
    _write(tmp_path, "phone.jpg", buf.getvalue())
    _write(tmp_path, "old.ppm", _image_bytes((0, 9, 0), "PPM"))
    (tmp_path / "labels.csv").write_text("file\nphone.jpg\nold.ppm\n")
    phone, old = load_data(tmp_path).samples
    for sample in (phone, old):
        assert sample.image is not None and sample.image.startswith(b"\x89PNG")
    assert phone.load_image().size == (4, 8)
    assert old.load_image().getpixel((0, 0)) == (0, 9, 0)


def _saved_dataset(path: Path, images: list[bytes]) -> Path:
    n = len(images)
    table = datasets.Dataset.from_dict(
        {
            "image": images,
            "prompt": [f"describe {i}" for i in range(n)],
            "animal": [i % 2 for i in range(n)],
            "weight": [1.5 * i for i in range(n)],
            "group_region": ["north", "south", "east", "west"][:n],
            "tags": [[i] for i in range(n)],
        },
        features=datasets.Features(
            {
                "image": datasets.Image(),
                "prompt": datasets.Value("string"),
                "animal": datasets.ClassLabel(names=["cat", "dog"]),
                "weight": datasets.Value("float64"),
                "group_region": datasets.Value("string"),
                "tags": datasets.List(datasets.Value("int64")),
            }
        ),
    )
    table.save_to_disk(str(path))
    return path


def test_saved_dataset_loads_labels_groups_and_prompt(tmp_path: Path) -> None:
    images = [_image_bytes((255, 0, 0)), _image_bytes((0, 255, 0))]
    path = _saved_dataset(tmp_path / "ds", images)
    first, second = load_data(path).samples
    assert (first.id, first.prompt, first.source) == ("row0", "describe 0", f"{path}#row0")
    assert first.labels == {"animal": "cat", "weight": 0.0}
    assert second.labels == {"animal": "dog", "weight": 1.5}
    assert second.groups == {"region": "south"}
    assert second.load_image().getpixel((0, 0)) == (0, 255, 0)


def test_saved_dataset_dict_uses_test_split_and_reports_corrupt_rows(tmp_path: Path) -> None:
    good = _image_bytes((0, 0, 255))
    train = _saved_dataset(tmp_path / "train", [good])
    test = _saved_dataset(tmp_path / "test", [good, b"garbage", good])
    splits = {
        "train": datasets.load_from_disk(str(train)),
        "test": datasets.load_from_disk(str(test)),
    }
    datasets.DatasetDict(splits).save_to_disk(str(tmp_path / "dict"))
    with pytest.raises(DataError, match="row1"):
        load_data(tmp_path / "dict")
    loaded = load_data(tmp_path / "dict", on_bad="skip")
    assert [s.id for s in loaded.samples] == ["row0", "row2"]
    assert loaded.skipped == [
        BadItem(f"{tmp_path / 'dict'}#row1", "not a readable image (unknown or corrupt format)")
    ]
    assert [s.id for s in load_data(tmp_path / "dict", limit=1).samples] == ["row0"]
