"""Hostile datasets: entries naming files outside the dataset folder are never read, tables that
would silently swallow rows are errors, bombs are refused, and odd modes decode as seen."""

from __future__ import annotations

import io
from pathlib import Path

import datasets
import numpy as np
import pytest
from PIL import Image

from vlmtrust.core.errors import DataError
from vlmtrust.data import OUTSIDE, load_data


def _png(colour: tuple[int, int, int] = (0, 128, 0), size: tuple[int, int] = (8, 8)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    """tmp/data (the dataset) beside tmp/secret.png (an image the dataset must not reach)."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "ok.png").write_bytes(_png())
    (tmp_path / "secret.png").write_bytes(_png((255, 0, 255)))
    return data


@pytest.mark.parametrize(
    "entry", ["../secret.png", "ABS", "link.png", "sub/../../secret.png", "../no-such.png"]
)
def test_entries_outside_the_folder_are_bad_items_and_never_read(layout: Path, entry: str) -> None:
    (layout / "link.png").symlink_to(layout.parent / "secret.png")
    name = str(layout.parent / "secret.png") if entry == "ABS" else entry
    (layout / "labels.csv").write_text(f"file,label\nok.png,a\n{name},b\n")
    loaded = load_data(layout, on_bad="skip")
    assert [s.id for s in loaded.samples] == ["ok"]
    assert [b.reason for b in loaded.skipped] == [OUTSIDE]
    secret = (layout.parent / "secret.png").read_bytes()
    assert all(s.image != secret for s in loaded.samples)
    with pytest.raises(DataError, match="outside the dataset folder") as err:
        load_data(layout)
    assert "exist" not in str(err.value) and "missing" not in str(err.value)


def test_the_error_is_the_same_whether_the_outside_file_exists(layout: Path) -> None:
    messages = []
    for name in ("../secret.png", "../no-such.png"):
        (layout / "labels.csv").write_text(f"file\n{name}\n")
        with pytest.raises(DataError) as err:
            load_data(layout)
        messages.append(str(err.value).replace(name.removeprefix("../"), "NAME"))
    assert messages[0] == messages[1]


def test_a_symlink_that_stays_inside_is_followed(layout: Path) -> None:
    (layout / "alias.png").symlink_to(layout / "ok.png")
    (layout / "labels.jsonl").write_text('{"file": "alias.png"}\n')
    assert load_data(layout).samples[0].image == (layout / "ok.png").read_bytes()


def test_saved_dataset_paths_outside_its_folder_are_bad_items(layout: Path) -> None:
    saved = layout / "saved"
    table = datasets.Dataset.from_dict(
        {"image": [{"bytes": None, "path": str(layout.parent / "secret.png")}], "label": ["x"]}
    )
    table.save_to_disk(str(saved))
    loaded = load_data(saved, on_bad="skip")
    assert loaded.samples == [] and OUTSIDE in loaded.skipped[0].reason


def test_an_unterminated_quote_is_an_error_naming_its_line(layout: Path) -> None:
    (layout / "labels.csv").write_text('file,label\nok.png,"cat\nok.png,dog\nok.png,bird\n')
    with pytest.raises(DataError, match=r"labels.csv line 2 .*quote opened on this line"):
        load_data(layout)


def test_a_stray_quote_is_an_error_naming_its_line(layout: Path) -> None:
    (layout / "labels.csv").write_text('file,label\nok.png,cat\nok.png,"dog"s\n')
    with pytest.raises(DataError, match=r"labels.csv line 3 is not valid CSV"):
        load_data(layout)


def test_quoted_cells_over_several_lines_still_load(layout: Path) -> None:
    (layout / "labels.csv").write_text('file,id,prompt\nok.png,a,"two\nlines"\nok.png,b,one\n')
    assert [s.prompt for s in load_data(layout).samples] == ["two\nlines", "one"]


def test_a_bomb_in_a_dataset_is_a_bad_item_naming_its_size(layout: Path) -> None:
    buf = io.BytesIO()
    Image.new("L", (7000, 7000)).save(buf, format="PNG", optimize=True)
    (layout / "bomb.png").write_bytes(buf.getvalue())
    (layout / "labels.csv").write_text("file\nok.png\nbomb.png\n")
    loaded = load_data(layout, on_bad="skip")
    assert "7000x7000 pixels is over the limit" in loaded.skipped[0].reason
    assert len(load_data(layout, max_pixels=50_000_000).samples) == 2


def test_sixteen_bit_images_load_as_their_shades(layout: Path) -> None:
    ramp = (np.arange(16, dtype=np.uint16).reshape(4, 4) * 4000).astype(np.uint16)
    Image.fromarray(ramp).save(layout / "deep.png")
    (layout / "labels.csv").write_text("file\ndeep.png\n")
    pixels = np.asarray(load_data(layout).samples[0].load_image())
    assert len(np.unique(pixels)) == 16


def test_a_labels_file_linked_from_outside_is_refused(layout: Path) -> None:
    (layout.parent / "elsewhere.csv").write_text("file\nok.png\n")
    (layout / "labels.csv").symlink_to(layout.parent / "elsewhere.csv")
    with pytest.raises(DataError, match=r"labels file 'labels\.csv' points outside"):
        load_data(layout)


@pytest.mark.parametrize("dict_layout", [False, True])
def test_saved_dataset_metadata_naming_outside_files_is_refused(
    layout: Path, dict_layout: bool
) -> None:
    saved = layout / "saved"
    table = datasets.Dataset.from_dict({"prompt": ["hi"], "label": ["x"]})
    if dict_layout:
        datasets.DatasetDict({"test": table}).save_to_disk(str(saved))
        (saved / "dataset_dict.json").write_text('{"splits": ["../../elsewhere"]}')
    else:
        table.save_to_disk(str(saved))
        (saved / "state.json").write_text(
            (saved / "state.json").read_text().replace("data-00000", "../../secret-00000")
        )
    with pytest.raises(DataError, match="names files outside its folder"):
        load_data(saved)
