"""Column aggregation (``core.columns``) gives what the Score path gives, to the bit: rows,
paired terms and gallery picks of zero-shot's declared metrics on the same scores."""

import random

import pytest

from vlmtrust.core.columns import ColumnsBuilder, ScoreColumns
from vlmtrust.core.records import Score
from vlmtrust.core.spec import Spec
from vlmtrust.metrics.declared import drop_from_clean, rate, rate_of_columns
from vlmtrust.metrics.rates import rate as wilson_rate
from vlmtrust.tasks.base import build_task
from vlmtrust.tasks.robustness.selective import abstention

ATTACKS = ("none", "corruption.jpeg(severity=3)", "corruption.contrast(severity=3)")


def _scores(n: int, seed: int) -> dict[str, list[Score]]:
    """Zero-shot-like scores: right, wrong, unscorable and abstained samples per condition."""
    rng = random.Random(seed)
    out: dict[str, list[Score]] = {}
    for attack in ATTACKS:
        found = []
        for i in range(n):
            sid, draw = f"s-{i}", rng.random()
            if draw < 0.05:
                found.append(Score.cannot_score(sid, "correct", "no image"))
            elif draw < 0.12:
                found.append(abstention(sid, truth="circle"))
            else:
                right = float(rng.random() < 0.7)
                details = {"confidence": round(rng.random(), 6), "truth": "circle"}
                found.append(Score(sample_id=sid, metric="correct", value=right, details=details))
        out[attack] = found
    return out


def _columns(scores: dict[str, list[Score]]) -> tuple[dict[str, ScoreColumns], list[str]]:
    """The columns the store gives of the same scores (their stored JSON), and ids by position."""
    ids = list(dict.fromkeys(s.sample_id for found in scores.values() for s in found))
    at = {sid: i for i, sid in enumerate(ids)}
    columns = {}
    for attack, found in scores.items():
        built = ColumnsBuilder()
        for score in found:
            built.add(at[score.sample_id], [score.model_dump(mode="json")])
        columns[attack] = built.build()
    return columns, ids


@pytest.mark.parametrize("attacks", [ATTACKS, ATTACKS[:1], ATTACKS[1:]])
def test_zero_shot_rows_terms_and_picks_from_columns_equal_the_score_path(attacks):
    task = build_task(Spec(name="robustness.zero_shot", params={"classes": ["circle", "square"]}))
    assert task.by_columns()
    scores = {a: found for a, found in _scores(120, seed=len(attacks)).items() if a in attacks}
    columns, ids = _columns(scores)
    assert task.aggregate_columns(columns, "guard", "m") == task.aggregate(scores, "guard", "m")
    assert task.paired_terms_columns(columns, ids) == task.paired_terms(scores)
    assert task.examples_columns(columns, ids) == task.examples(scores)
    rows = task.aggregate(scores, "none", "m")
    names = {r.metric for r in rows}
    assert {"accuracy", "coverage", "selective_accuracy"} <= names  # the rows were compared
    assert ("accuracy_drop" in names) == ("none" in attacks and len(attacks) > 1)
    assert ("mce" in names) == (len(attacks) > 1)


def test_a_rate_from_columns_counts_as_the_rate_of_scores():
    scores = _scores(50, seed=7)["none"]
    columns, _ = _columns({"none": scores})
    kept = [s for s in scores if s.metric == "correct"]
    assert rate_of_columns(columns["none"].of("correct")) == wilson_rate(kept)
    unscorable = [Score.cannot_score("a", "correct", "no image")]
    empty, _ = _columns({"none": unscorable})
    assert rate_of_columns(empty["none"]) == wilson_rate(unscorable)


def test_a_rate_from_columns_refuses_values_other_than_0_and_1():
    columns, _ = _columns({"none": [Score(sample_id="a", metric="correct", value=0.5)]})
    with pytest.raises(ValueError, match="needs 0/1 scores"):
        rate_of_columns(columns["none"])


def test_metrics_without_a_column_form_say_so_and_keep_the_task_on_scores():
    from vlmtrust.metrics.declared import bootstrap_mean, by_group

    accuracy = rate("correct", "accuracy")
    assert accuracy.by_columns() and drop_from_clean(accuracy).by_columns()
    assert not rate("correct", details=lambda scores: {"n": len(scores)}).by_columns()
    assert not bootstrap_mean("correct").by_columns()
    assert not by_group(accuracy).by_columns()
    assert not build_task(Spec(name="robustness.calibration")).by_columns()
