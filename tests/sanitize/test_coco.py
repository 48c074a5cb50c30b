"""sanitize on a COCO captions copy (cocodataset.org's layout, PII, a near-duplicate, a val image
copying a train image and a PII line planted): the same layout comes back, readable by the
coco_captions data source, PII pseudonymised consistently, the duplicate dropped and audited,
the leak reported, the input unchanged; a wrong layout is one line, exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_run import run_cli
from PIL import Image
from sanitize_captions import EMAIL, PERSON, Sanitized, plant_coco, sanitized_copy
from sanitize_data import checksums
from wrong_layout import assert_wrong_layout

from vlmtrust.data.benchmarks.coco_captions import CocoCaptions
from vlmtrust.data.sources import open_source
from vlmtrust.sanitize.pipeline import SanitizeOptions, sanitize
from vlmtrust.scorers.pii import find_pii_in_image

SPLITS = ("train2017", "val2017")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Sanitized:
    return sanitized_copy(tmp_path_factory, "coco_captions", plant_coco)


def _table(root: Path, split: str) -> dict[str, Any]:
    return dict(json.loads((root / f"annotations/captions_{split}.json").read_text()))


def _audit(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "audit.jsonl").read_text().splitlines()]


def _image_id(ident: str) -> int:
    return int(ident.rpartition("/")[2])


def test_the_same_layout_comes_back_without_the_duplicate(run: Sanitized) -> None:
    root, out, planted, _, summary = run
    dropped = _image_id(planted.duplicate[1])
    for split in SPLITS:
        given, written = _table(root, split), _table(out, split)
        assert list(written) == list(given) == ["info", "licenses", "images", "annotations"]
        assert written["info"] == given["info"] and written["licenses"] == given["licenses"]
        assert written["images"] == [i for i in given["images"] if i["id"] != dropped]
        kept = [n for n in given["annotations"] if n["image_id"] != dropped]
        assert [{**n, "caption": ""} for n in written["annotations"]] == [
            {**n, "caption": ""} for n in kept
        ]
        changed = [
            b["caption"] for a, b in zip(written["annotations"], kept, strict=True) if a != b
        ]
        assert len(changed) == 1 and (PERSON in changed[0] or EMAIL in changed[0])
    assert summary.rows_in == 9 and summary.rows_out == 8
    source = open_source(f"coco_captions:{out}")
    assert isinstance(source, CocoCaptions) and source.skipped == ()
    assert source.summary().counts == {"train2017": {"members": 4}, "val2017": {"non-members": 4}}


def test_caption_pii_is_replaced_by_one_surrogate_everywhere(run: Sanitized) -> None:
    _, out, planted, _, _ = run
    captions = [n["caption"] for s in SPLITS for n in _table(out, s)["annotations"]]
    assert not any(PERSON in c or EMAIL in c for c in captions)
    audit = _audit(out)
    people = [a for a in audit if a["action"] == "pseudonymize" and a["entity"] == "PERSON"]
    assert sorted(a["id"] for a in people) == sorted(planted.person)
    (surrogate,) = {a["surrogate"] for a in people}
    assert sum(surrogate in c for c in captions) == 2
    assert {a["column"] for a in people} == {"caption"} and all("index" in a for a in people)
    assert PERSON not in json.dumps(audit) and EMAIL not in json.dumps(audit)


def test_duplicate_dropped_leak_reported_and_repeated_own_captions_kept(run: Sanitized) -> None:
    _, out, planted, _, summary = run
    audit = _audit(out)
    drops = [(a["of"], a["id"]) for a in audit if a["action"] == "drop_duplicate"]
    leaks = [(a["of"], a["id"]) for a in audit if a["action"] == "cross_split_duplicate"]
    assert drops == [planted.duplicate] and leaks == [planted.leak]
    assert summary.duplicates == 1 and summary.cross_split == 1
    kept = {f"{s}/{i['file_name'][:-4]}" for s in SPLITS for i in _table(out, s)["images"]}
    assert {planted.self_similar, planted.leak[1]} <= kept


def test_images_keep_their_paths_copied_byte_for_byte_unless_redacted(run: Sanitized) -> None:
    root, out, planted, _, _ = run
    covered = {a["file"] for a in _audit(out) if a["action"] == "cover_pii_text"}
    assert covered == {planted.written}
    for split in SPLITS:
        for image in _table(out, split)["images"]:
            file = f"{split}/{image['file_name']}"
            same = (out / file).read_bytes() == (root / file).read_bytes()
            assert same == (file not in covered), file
    assert find_pii_in_image(Image.open(out / planted.written)) == []
    assert not (out / planted.duplicate[1]).with_suffix(".jpg").exists()
    assert not (out / ".sanitize").exists()


def test_input_is_unchanged(run: Sanitized) -> None:
    root, _, _, before, _ = run
    assert checksums(root) == before


class _Stop(Exception):
    pass


def test_an_interrupted_run_resumes_to_the_uninterrupted_output(
    run: Sanitized, tmp_path: Path
) -> None:
    _, reference, _, _, _ = run
    root, out = tmp_path / "coco", tmp_path / "out"
    plant_coco(root)  # the same copy as the fixture's

    def stop_after_three(total: int) -> Any:
        finished = []

        def advance(n: int) -> None:
            finished.append(n)
            if len(finished) > 3:
                raise _Stop

        return advance

    with pytest.raises(_Stop):
        sanitize(f"coco_captions:{root}", out, SanitizeOptions(), progress=stop_after_three)
    journal = out / ".sanitize" / "journal.jsonl"
    assert journal.read_text().count("\n") == 3 and not (out / "audit.jsonl").exists()
    with journal.open("a") as torn:
        torn.write('{"index": 7, "row": {"id"')  # killed mid-line
    sanitize(f"coco_captions:{root}", out, SanitizeOptions())
    assert checksums(out) == checksums(reference)


def test_the_cli_writes_the_layout_and_a_wrong_layout_is_one_line_exit_2(tmp_path: Path) -> None:
    root = tmp_path / "coco"
    plant_coco(root)
    fast = ("--no-ocr", "--no-faces", "--quiet")
    done = run_cli("sanitize", f"coco_captions:{root}", "--out", str(tmp_path / "out"), *fast)
    assert done.code == 0, done.stderr
    assert open_source(f"coco_captions:{tmp_path / 'out'}").summary().size == 8
    (tmp_path / "empty").mkdir()
    expected = "expected the COCO captions layout: annotations/captions_train2017.json"
    assert_wrong_layout(
        "coco_captions", tmp_path / "empty", expected, check=False, sanitize=(), out=tmp_path / "a"
    )
    table = _table(root, "val2017")
    del table["annotations"][0]["caption"]
    (root / "annotations/captions_val2017.json").write_text(json.dumps(table))
    named = "annotations[0] has no 'image_id' or 'caption'"
    assert_wrong_layout(
        "coco_captions", root, named, expected, check=False, sanitize=fast, out=tmp_path / "b"
    )


def test_an_image_named_outside_the_copy_is_never_read_or_written(tmp_path: Path) -> None:
    root = tmp_path / "coco"
    plant_coco(root)
    table = _table(root, "train2017")
    table["images"][0]["file_name"] = "../../escape.jpg"
    (root / "annotations/captions_train2017.json").write_text(json.dumps(table))
    (tmp_path / "escape.jpg").write_bytes((root / "val2017/000000002009.jpg").read_bytes())
    before = checksums(tmp_path)
    options = SanitizeOptions(ocr=False, faces=False, on_bad_data="skip")
    summary = sanitize(f"coco_captions:{root}", tmp_path / "out", options)
    assert summary.bad_images == 1
    after = {k: v for k, v in checksums(tmp_path).items() if not k.startswith("out/")}
    assert after == before
    assert _image_id("x/1009") not in {
        i["id"] for i in _table(tmp_path / "out", "train2017")["images"]
    }
