"""sanitize on a generated dataset: duplicates found, PII pseudonymised and covered, faces
blurred, input untouched, every change audited, a corrupt image reported by path."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sanitize_data import checksums, make_dataset

from vlmtrust.core.errors import DataError
from vlmtrust.sanitize.pipeline import SanitizeOptions, sanitize
from vlmtrust.scorers.pii import find_faces, find_pii_in_image


@pytest.fixture(scope="module")
def sanitized(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    planted = make_dataset(root)
    before = checksums(root)
    out = tmp_path_factory.mktemp("clean") / "out"
    summary = sanitize(root, out, SanitizeOptions())
    return root, out, planted, before, summary


def _rows(out):
    return [json.loads(line) for line in (out / "labels.jsonl").read_text().splitlines()]


def _audit(out):
    return [json.loads(line) for line in (out / "audit.jsonl").read_text().splitlines()]


def test_input_is_unchanged(sanitized):
    root, _, _, before, _ = sanitized
    assert checksums(root) == before


def test_duplicates_precision_and_recall(sanitized):
    _, out, planted, _, summary = sanitized
    dropped = {a["id"] for a in _audit(out) if a["action"] == "drop_duplicate"}
    true_positives = len(dropped & planted.duplicates)
    assert true_positives / len(planted.duplicates) >= 0.95
    assert true_positives / max(1, len(dropped)) >= 0.95
    kept = {r["id"] for r in _rows(out)}
    assert {"twin0", "twin1", "twin2"} <= kept  # same caption, other image: kept
    assert summary.rows_out == summary.rows_in - len(dropped)


def test_caption_pii_recall_and_consistent_surrogates(sanitized):
    _, out, planted, _, _ = sanitized
    captions = {r["id"]: r["caption"] for r in _rows(out)}
    checked = [(i, e, v) for i, e, v in planted.caption_pii if i in captions]
    removed = [v.lower() not in captions[i].lower() for i, _, v in checked]
    assert sum(removed) / len(checked) >= 0.95
    name = planted.repeated_person
    swaps = {
        a["surrogate"]
        for a in _audit(out)
        if a["id"] in ("r000", "r001") and a.get("entity") == "PERSON"
    }
    assert len(swaps) == 1 and name not in swaps  # same person -> same fake name
    assert all(s in captions["r000"] or s.lower() in captions["r000"] for s in swaps)


def test_image_pii_covered_and_faces_blurred(sanitized):
    from PIL import Image

    _, out, planted, _, _ = sanitized
    for file in planted.image_pii:
        assert find_pii_in_image(Image.open(out / file)) == []
    for file in planted.faces:
        assert find_faces(Image.open(out / file)) == []


def test_every_change_has_an_audit_row(sanitized):
    root, out, _, _, _ = sanitized
    audit = _audit(out)
    audited_files = {a["file"] for a in audit if a["action"] in ("cover_pii_text", "blur_face")}
    for row in _rows(out):
        changed = (out / row["file"]).read_bytes() != (root / row["file"]).read_bytes()
        assert changed == (row["file"] in audited_files), row["file"]
    source = {
        json.loads(x)["id"]: json.loads(x) for x in (root / "labels.jsonl").read_text().splitlines()
    }
    pseudonymised = {a["id"] for a in audit if a["action"] == "pseudonymize"}
    for row in _rows(out):
        assert (row["caption"] != source[row["id"]]["caption"]) == (row["id"] in pseudonymised)
    assert not any(v in json.dumps(audit) for v in ("@example.com", "@example.org"))
    assert not (out / ".sanitize").exists()


def test_corrupt_image_is_named_and_nothing_written(tmp_path):
    root = tmp_path / "data"
    make_dataset(root, base=4, dups=0, twins=0)
    (root / "images/001.png").write_bytes(b"not a png")
    with pytest.raises(DataError, match=r"images/001\.png"):
        sanitize(root, tmp_path / "out", SanitizeOptions(ocr=False))
    assert not (tmp_path / "out").exists()
    messages = []
    summary = sanitize(
        root,
        tmp_path / "out",
        SanitizeOptions(ocr=False, on_bad_data="skip"),
        report_bad=messages.append,
    )
    assert summary.bad_images == 1 and "images/001.png" in messages[0]
    audit = [json.loads(x) for x in (tmp_path / "out/audit.jsonl").read_text().splitlines()]
    assert [a["action"] for a in audit if a["id"] == "r001"] == ["skip_bad_image"]


def _cli(data, out):
    return [sys.executable, "-m", "vlmtrust", "sanitize", str(data), "--out", str(out), "--quiet"]


def test_killed_halfway_then_rerun_gives_the_uninterrupted_output(sanitized, tmp_path):
    _, reference, _, _, _ = sanitized
    data = tmp_path / "data"
    make_dataset(data)  # the same generated dataset as the fixture's
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    stalled = [sys.executable, str(Path(__file__).parents[1] / "support/stalled_sanitize.py")]
    args = [str(data), "--out", str(out), "--quiet"]
    proc = subprocess.Popen(stalled + args, env=env, stderr=subprocess.PIPE)
    journal = out / ".sanitize" / "journal.jsonl"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.is_file() and journal.read_bytes().count(b"\n") >= 4:
            break
        time.sleep(0.05)
    assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / "labels.jsonl").exists()  # killed before the end
    done = subprocess.run(_cli(data, out), env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert checksums(out) == checksums(reference)


def test_cli_reports_a_corrupt_image_by_path_and_exits_2(tmp_path):
    data = tmp_path / "data"
    make_dataset(data, base=3, dups=0, twins=0)
    (data / "images/002.png").write_bytes(b"\x89PNG broken")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(_cli(data, tmp_path / "out"), env=env, capture_output=True, text=True)
    assert done.returncode == 2
    assert "images/002.png" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_a_data_source_sanitize_cannot_write_back_is_named(tmp_path):
    with pytest.raises(DataError, match=r"coco_captions:ROOT / flickr30k:ROOT, not fairface:"):
        sanitize(f"fairface:{tmp_path}", tmp_path / "out", SanitizeOptions())
    assert not (tmp_path / "out").exists()
