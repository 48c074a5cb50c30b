"""sanitize on a Flickr30k copy (Karpathy's split file and/or the authors' token file beside
flickr30k-images/, PII, a near-duplicate, a test image copying a train image and a PII line
planted): whichever files the copy has come back in their format, readable by the flickr30k
data source, one surrogate per person in both files, the duplicate dropped and audited, the
leak reported, the input unchanged; a wrong layout is one line, exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sanitize_captions import EMAIL, PERSON, Sanitized, plant_flickr, sanitized_copy
from sanitize_data import checksums
from wrong_layout import assert_wrong_layout

from vlmtrust.data.benchmarks.flickr30k import Flickr30k
from vlmtrust.data.sources import open_source
from vlmtrust.sanitize.captions import tokens
from vlmtrust.sanitize.pipeline import SanitizeOptions, sanitize

SPLIT, TOKEN = "dataset_flickr30k.json", "results_20130124.token"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Sanitized:
    return sanitized_copy(tmp_path_factory, "flickr30k", plant_flickr)


def _audit(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "audit.jsonl").read_text().splitlines()]


def _split_file(root: Path) -> dict[str, Any]:
    return dict(json.loads((root / SPLIT).read_text()))


def _lines(root: Path) -> list[tuple[str, str]]:
    return [
        (key, caption)
        for key, _, caption in (x.partition("\t") for x in (root / TOKEN).read_text().splitlines())
    ]


def test_both_files_come_back_without_the_duplicate(run: Sanitized) -> None:
    root, out, planted, _, summary = run
    dropped = f"{planted.duplicate[1]}.jpg"
    given, written = _split_file(root), _split_file(out)
    assert list(written) == list(given) and written["dataset"] == "flickr30k"
    kept = [i for i in given["images"] if i["filename"] != dropped]
    assert [{**i, "sentences": None} for i in written["images"]] == [
        {**i, "sentences": None} for i in kept
    ]
    changed = []
    for new, old in zip(written["images"], kept, strict=True):
        for a, b in zip(new["sentences"], old["sentences"], strict=True):
            if a != b:
                changed.append(b["raw"])
                assert a == {**b, "raw": a["raw"], "tokens": tokens(a["raw"])}
    assert len(changed) == 2 and all(PERSON in c for c in changed)
    lines = [line for line in _lines(root) if not line[0].startswith(dropped)]
    assert [key for key, _ in _lines(out)] == [key for key, _ in lines]
    raw = {
        f"{i['filename']}#{k}": s["raw"]
        for i in written["images"]
        for k, s in enumerate(i["sentences"])
    }
    assert all(raw[key] == caption for key, caption in _lines(out))  # the same surrogates
    assert summary.rows_in == 9 and summary.rows_out == 8
    source = open_source(f"flickr30k:{out}")
    assert isinstance(source, Flickr30k) and source.skipped == ()
    counts = source.summary().counts
    assert counts == {
        "train": {"members": 4},
        "val": {"not scanned": 1},
        "test": {"non-members": 3},
    }


def test_caption_pii_is_replaced_by_one_surrogate_in_both_files(run: Sanitized) -> None:
    _, out, planted, _, _ = run
    text = (out / SPLIT).read_text() + (out / TOKEN).read_text()
    assert PERSON not in text and EMAIL not in text
    audit = _audit(out)
    people = [a for a in audit if a["action"] == "pseudonymize" and a["entity"] == "PERSON"]
    assert sorted({a["id"] for a in people}) == sorted(planted.person)
    assert sorted(a["column"] for a in people) == ["raw", "raw", "token", "token"]
    (surrogate,) = {a["surrogate"] for a in people}
    assert sum(surrogate in caption for _, caption in _lines(out)) == 2
    assert PERSON not in json.dumps(audit) and EMAIL not in json.dumps(audit)


def test_duplicate_dropped_leak_reported_and_images_copied_or_redacted(run: Sanitized) -> None:
    root, out, planted, before, summary = run
    audit = _audit(out)
    drops = [(a["of"], a["id"]) for a in audit if a["action"] == "drop_duplicate"]
    leaks = [(a["of"], a["id"], a["of_split"], a["split"]) for a in audit if "of_split" in a]
    assert drops == [planted.duplicate] and leaks == [(*planted.leak, "train", "test")]
    assert summary.duplicates == 1 and summary.cross_split == 1
    covered = {a["file"] for a in audit if a["action"] == "cover_pii_text"}
    assert covered == {planted.written}
    images = sorted(p.name for p in (out / "flickr30k-images").iterdir())
    assert images == sorted(f"{i['filename']}" for i in _split_file(out)["images"])
    for name in images:
        file = f"flickr30k-images/{name}"
        same = (out / file).read_bytes() == (root / file).read_bytes()
        assert same == (file not in covered), file
    assert f"{planted.self_similar}.jpg" in images and f"{planted.leak[1]}.jpg" in images
    assert checksums(root) == before


@pytest.mark.parametrize("kept", [TOKEN, SPLIT])
def test_a_copy_with_one_caption_file_gets_that_file_back(tmp_path: Path, kept: str) -> None:
    root = tmp_path / "flickr"
    planted = plant_flickr(root, split_file=kept == SPLIT, token_file=kept == TOKEN)
    options = SanitizeOptions(ocr=False, faces=False)
    summary = sanitize(f"flickr30k:{root}", tmp_path / "out", options)
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted(["audit.jsonl", "flickr30k-images", kept])
    assert PERSON not in (tmp_path / "out" / kept).read_text()
    drops = [(a["of"], a["id"]) for a in _audit(tmp_path / "out") if "of" in a]
    if kept == TOKEN:  # no split: the test image copying a train image is a duplicate too
        assert drops == [planted.duplicate, planted.leak] and summary.cross_split == 0
    else:
        assert planted.duplicate in drops and summary.cross_split == 1
    assert open_source(f"flickr30k:{tmp_path / 'out'}").summary().size > 0


def test_a_wrong_layout_is_one_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    expected = f"expected the Flickr30k layout: {SPLIT} (Karpathy"
    assert_wrong_layout(
        "flickr30k", tmp_path / "empty", expected, check=False, sanitize=(), out=tmp_path / "a"
    )
    root = tmp_path / "flickr"
    plant_flickr(root, split_file=False)
    (root / TOKEN).write_text("1000092795.jpg a caption without its tab\n")
    named = "line 1 is not <image>.jpg#<k><TAB><caption>"
    assert_wrong_layout(
        "flickr30k", root, named, expected, check=False, sanitize=("--quiet",), out=tmp_path / "b"
    )
