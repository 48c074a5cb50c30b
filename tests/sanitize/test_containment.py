"""sanitize on hostile tables: it never opens an output path outside --out, never writes to its
input or to a file a row points at outside the input, and reads images only from the input."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from PIL import Image

from vlmtrust.core.errors import ConfigError, DataError
from vlmtrust.data import OUTSIDE
from vlmtrust.sanitize.pipeline import SanitizeOptions, sanitize

FAST = SanitizeOptions(ocr=False, faces=False, on_bad_data="skip")


def _tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` with its sha256: what must not change or appear."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def world(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    Image.new("RGB", (16, 16), (0, 0, 255)).save(data / "ok.png")
    (tmp_path / "escape").mkdir()
    Image.new("RGB", (16, 16), (255, 0, 0)).save(tmp_path / "escape" / "p.png")
    return tmp_path


@pytest.mark.parametrize(
    "name", ["../escape/p.png", "ABS", "link.png", "../escape/new.png", "sub/../../escape/p.png"]
)
def test_rows_pointing_outside_are_skipped_and_nothing_outside_changes(
    world: Path, name: str
) -> None:
    data, out = world / "data", world / "out"
    (data / "link.png").symlink_to(world / "escape" / "p.png")
    target = str(world / "escape" / "p.png") if name == "ABS" else name
    rows = [{"file": "ok.png", "caption": "a blue square"}, {"file": target, "caption": "x"}]
    (data / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    before = _tree(world)
    summary = sanitize(data, out, FAST)
    after = _tree(world)
    assert summary.rows_out == 1 and summary.bad_images == 1
    assert {k: v for k, v in after.items() if not k.startswith("out/")} == before
    assert sorted(k for k in after if k.startswith("out/")) == [
        "out/audit.jsonl",
        "out/labels.jsonl",
        "out/ok.png",
    ]
    audit = [json.loads(line) for line in (out / "audit.jsonl").read_text().splitlines()]
    assert {"action": "skip_bad_image", "reason": OUTSIDE}.items() <= audit[0].items()


def test_failing_on_an_outside_row_writes_nothing(world: Path) -> None:
    data = world / "data"
    (data / "labels.csv").write_text("file,caption\nok.png,a\n../escape/p.png,b\n")
    with pytest.raises(DataError, match="outside the dataset folder"):
        sanitize(data, world / "out", SanitizeOptions(ocr=False, faces=False))
    assert not (world / "out").exists()


@pytest.mark.parametrize("where", ["data/clean", "data", "."])
def test_out_may_not_overlap_the_input(world: Path, where: str) -> None:
    (world / "data" / "labels.csv").write_text("file\nok.png\n")
    with pytest.raises(ConfigError, match="overlap"):
        sanitize(world / "data", world / where, FAST)


def test_an_unterminated_quote_in_labels_csv_is_an_error(world: Path) -> None:
    (world / "data" / "labels.csv").write_text('file,caption\nok.png,"open\nok.png,b\n')
    with pytest.raises(DataError, match=r"line 2 .*never closed"):
        sanitize(world / "data", world / "out", FAST)
    assert not (world / "out").exists()
