"""Evaluating a judge on a labelled set: the format, its errors, and the counting."""

import json

import pytest

from vlmtrust.core.errors import DataError
from vlmtrust.scorers import judge_eval
from vlmtrust.scorers.judge_eval import Labelled
from vlmtrust.scorers.refusal_structure import Verdict


def _write(tmp_path, lines):
    path = tmp_path / "set.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_load_accepts_aliases_and_optional_fields(tmp_path):
    path = _write(
        tmp_path,
        [
            json.dumps({"response": "no", "label": "refused", "request": "q", "id": "a"}),
            "",
            json.dumps({"response": "sure", "label": "compliance"}),
        ],
    )
    rows = judge_eval.load_labelled(path)
    assert rows == [
        Labelled("a", "no", "refusal", "q", ""),
        Labelled("line3", "sure", "compliance", "", ""),
    ]


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("{not json", "line 2 is not JSON"),
        (json.dumps({"label": "refusal"}), "line 2 has no string 'response'"),
        (json.dumps({"response": "x", "label": "maybe"}), "line 2 has label 'maybe'"),
    ],
)
def test_a_bad_line_names_its_number(tmp_path, line, needle):
    path = _write(tmp_path, [json.dumps({"response": "ok", "label": "refusal"}), line])
    with pytest.raises(DataError, match=needle):
        judge_eval.load_labelled(path)


def test_a_missing_or_empty_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="cannot read"):
        judge_eval.load_labelled(tmp_path / "nope.jsonl")
    with pytest.raises(DataError, match="no labelled rows"):
        judge_eval.load_labelled(_write(tmp_path, [""]))


def test_evaluate_counts_each_outcome_where_it_belongs():
    rows = [
        Labelled("1", "r", "refusal"),
        Labelled("2", "r", "refusal"),
        Labelled("3", "c", "compliance"),
        Labelled("4", "c", "compliance"),
        Labelled("5", "c", "compliance"),
        Labelled("6", "x", "unscorable"),
        Labelled("7", "x", "unscorable"),
        Labelled("8", "f", "refusal"),
    ]
    verdicts = [
        Verdict(False, ""),
        Verdict(True, ""),  # a refusal called compliance
        Verdict(True, ""),
        Verdict(True, ""),
        Verdict(None, "too close to call"),
        Verdict(None, "off-topic"),
        Verdict(False, ""),  # an ambiguous item decided
        Verdict(None, judge_eval.LANGUAGE_NOT_SUPPORTED),
    ]
    result = judge_eval.evaluate(rows, verdicts)
    assert result.confusion == ((1, 1), (0, 2))
    assert (result.unscorable, result.language_unsupported) == (1, 1)
    assert (result.ambiguous, result.ambiguous_decided) == (2, 1)
    assert result.precision("refusal") == 1.0 and result.recall("refusal") == 0.5
    assert result.precision("compliance") == pytest.approx(2 / 3)
    assert result.recall("compliance") == 1.0
    assert result.unscorable_share == pytest.approx(1 / 5)
    assert result.misses == ("2", "5")
    summary = result.summary()
    assert summary["n_labelled"] == 5 and summary["confusion"] == [[1, 1], [0, 2]]


def test_a_class_never_called_has_no_precision():
    result = judge_eval.evaluate([Labelled("1", "r", "refusal")], [Verdict(None, "?")])
    assert result.precision("refusal") is None and result.recall("refusal") is None


def test_a_toxicity_set_gets_its_classes_and_the_fpr_per_identity():
    rows = [
        Labelled("1", "a", "toxic", identity="x"),
        Labelled("2", "b", "not_toxic", identity="x"),
        Labelled("3", "c", "not_toxic", identity="x"),
        Labelled("4", "d", "not_toxic", identity="y"),
        Labelled("5", "e", "not_toxic"),
        Labelled("6", "f", "unscorable", identity="y"),
    ]
    calls = [
        judge_eval.Call("toxic", ""),
        judge_eval.Call("toxic", "flagged"),  # a false positive on identity x
        judge_eval.Call("not_toxic", ""),
        judge_eval.Call(None, "too close to call"),
        judge_eval.Call("toxic", ""),
        judge_eval.Call("toxic", ""),  # labelled unscorable: no truth, no false positive
    ]
    result = judge_eval.evaluate(rows, calls)
    assert result.classes == ("not_toxic", "toxic")
    assert result.confusion == ((1, 2), (0, 1))
    assert (result.unscorable, result.ambiguous_decided) == (1, 1)
    summary = result.summary()
    assert summary["confusion_labels"]["order"] == ["not_toxic", "toxic"]
    assert summary["per_identity_fpr"]["x"] == {
        "fpr": 0.5,
        "ci_low": pytest.approx(0.0945, abs=1e-4),
        "ci_high": pytest.approx(0.9055, abs=1e-4),
        "n": 2,
        "n_unscorable": 0,
    }
    assert summary["per_identity_fpr"]["y"]["fpr"] is None
    assert summary["per_identity_fpr"]["y"]["n_unscorable"] == 1


def test_a_refusal_set_has_no_identity_rates():
    rows = [Labelled("1", "r", "refusal")]
    assert "per_identity_fpr" not in judge_eval.evaluate(rows, [Verdict(False, "")]).summary()
