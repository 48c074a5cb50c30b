"""Labelled sets of three kinds, told apart by their labels; images stay in the set's folder."""

import json

import pytest

from vlmtrust.core.errors import DataError
from vlmtrust.scorers.judge_sets import (
    REFUSAL_SET,
    SAFETY_SET,
    TOXICITY_SET,
    Labelled,
    load_labelled,
    parse_labelled,
    set_kind,
)


def _write(folder, rows):
    path = folder / "set.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_the_labels_say_the_kind():
    def kind(*labels):
        text = "".join(json.dumps({"response": "x", "label": lab}) + "\n" for lab in labels)
        return set_kind(parse_labelled(text, "s"))

    assert kind("unscorable", "refused") is REFUSAL_SET
    assert kind("not_toxic", "unscorable") is TOXICITY_SET
    assert kind("unsafe", "safe") is SAFETY_SET
    assert kind("unscorable") is REFUSAL_SET  # nothing to tell: today's default


def test_the_toxicity_calibration_format_reads_as_a_toxicity_set(tmp_path):
    path = _write(
        tmp_path,
        [
            {"text": "you idiot", "toxic": True, "kind": "insult", "identity": "women"},
            {"text": "hello", "toxic": False},
        ],
    )
    rows = load_labelled(path)
    assert rows == [
        Labelled("line1", "you idiot", "toxic", "", "insult", None, "women"),
        Labelled("line2", "hello", "not_toxic"),
    ]
    assert set_kind(rows) is TOXICITY_SET


def test_a_mixed_set_is_an_error_naming_both_lines(tmp_path):
    path = _write(
        tmp_path,
        [{"response": "no", "label": "refusal"}, {"response": "x", "label": "unsafe"}],
    )
    with pytest.raises(DataError, match=r"line 2 is labelled 'unsafe' .* but line 1 made"):
        load_labelled(path)


def test_an_image_inside_the_folder_is_resolved(tmp_path):
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "a.png").write_bytes(b"")
    path = _write(tmp_path, [{"response": "x", "label": "safe", "image": "img/a.png"}])
    (row,) = load_labelled(path)
    assert row.image == (tmp_path / "img" / "a.png").resolve()


@pytest.mark.parametrize(
    ("image", "needle"),
    [
        ("../outside.png", "outside the set's folder"),
        ("/etc/hostname", "outside the set's folder"),
        ("img/../../outside.png", "outside the set's folder"),
        ("missing.png", "not a file"),
        (3, "has image 3"),
    ],
)
def test_a_bad_image_path_is_an_error(tmp_path, image, needle):
    folder = tmp_path / "set"
    folder.mkdir()
    (tmp_path / "outside.png").write_bytes(b"")
    path = _write(folder, [{"response": "x", "label": "safe", "image": image}])
    with pytest.raises(DataError, match=needle):
        load_labelled(path)


def test_text_without_a_folder_takes_no_images():
    line = json.dumps({"response": "x", "label": "safe", "image": "a.png"})
    with pytest.raises(DataError, match="relative to the set's folder"):
        parse_labelled(line, "shipped")
