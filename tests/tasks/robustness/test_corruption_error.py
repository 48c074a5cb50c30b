"""Unnormalised mCE: a hand-computed case, the paired bootstrap, and zoo:clip's real scores."""

import numpy as np
import pytest

from vlmtrust.attacks.base import build_attack
from vlmtrust.core.records import Score
from vlmtrust.core.spec import Spec
from vlmtrust.metrics.declared import custom, metric_rows
from vlmtrust.models.base import resolve_model
from vlmtrust.tasks.base import DataContext, build_task
from vlmtrust.tasks.robustness.conditions import ACCURACY_METRICS
from vlmtrust.tasks.robustness.corruption_error import (
    ATTACK,
    DEFINITION,
    mean_corruption_error,
)


def _mce(scores, details=None, **options):
    """The mCE rows as a task declaring ``custom(mean_corruption_error)`` gets them."""
    declared = [custom(lambda found: mean_corruption_error(found, **options))]
    rows = metric_rows(declared, scores, task="t", mitigation="none", model="m", details=details)
    return {r.metric: r for r in rows}


def _scores(values, metric="correct"):
    return [
        Score.cannot_score(f"s{i}", metric, "no answer")
        if v is None
        else Score(sample_id=f"s{i}", metric=metric, value=float(v))
        for i, v in enumerate(values)
    ]


def test_hand_computed_errors_and_what_is_left_out():
    scores = {
        "none": _scores([1] * 10),
        "corruption.jpeg": _scores([0] * 5 + [1] * 5),
        "corruption.contrast": _scores([0, 0] + [1] * 7 + [None]),  # 2 of 9 wrong
        "typographic": _scores([0] * 10),  # not a corruption: ignored
    }
    rows = _mce(scores, {"label": "x"})
    mce, relative = rows["mce"], rows["relative_mce"]
    assert mce.attack == relative.attack == ATTACK
    assert mce.value == pytest.approx((0.5 + 2 / 9) / 2)
    assert relative.value == pytest.approx(mce.value)  # clean error is 0
    assert mce.n == 10 and mce.details["n_unscorable"] == 1
    assert mce.details["corruption_error"] == {
        "corruption.contrast": pytest.approx(2 / 9),
        "corruption.jpeg": 0.5,
    }
    assert mce.details["clean_error"] == 0.0 and mce.details["label"] == "x"
    assert mce.details["definition"] == DEFINITION
    assert mce.ci_low < mce.value < mce.ci_high

    assert mean_corruption_error({"none": scores["none"]}) == []
    no_clean = {k: v for k, v in scores.items() if k != "none"}
    rows = _mce(no_clean)
    assert rows["mce"].value == pytest.approx(mce.value) and rows["relative_mce"].value is None
    with pytest.raises(ValueError, match="0/1"):
        mean_corruption_error(
            {"corruption.jpeg": [Score(sample_id="a", metric="correct", value=0.5)]}
        )


def test_severities_average_within_a_corruption_then_corruptions_and_families():
    scores = {
        "none": _scores([1] * 10),
        "corruption.fog(severity=1)": _scores([0] * 2 + [1] * 8),  # 0.2
        "corruption.fog(severity=5)": _scores([0] * 6 + [1] * 4),  # 0.6
        "corruption.jpeg": _scores([0] * 5 + [1] * 5),  # 0.5, severity 3, jpeg_compression
    }
    rows = _mce(scores, resamples=200)
    mce = rows["mce"]
    assert mce.value == pytest.approx((0.4 + 0.5) / 2)  # fog's two severities weigh as one
    assert "by_family" not in rows["relative_mce"].details  # the breakdown is of mce
    assert mce.details["ce"] == {"fog": pytest.approx(0.4), "jpeg_compression": 0.5}
    assert mce.details["family"] == {"fog": "weather", "jpeg_compression": "digital"}
    families = mce.details["by_family"]
    assert list(families) == ["weather", "digital"]  # ImageNet-C's order
    assert families["weather"]["value"] == pytest.approx(0.4)
    assert families["digital"]["value"] == pytest.approx(0.5) and families["digital"]["n"] == 10
    assert families["weather"]["ci_low"] <= 0.4 <= families["weather"]["ci_high"]
    assert mce.details["severities"] == [1, 3, 5] and mce.details["mce_15"] is None
    assert mce.details["curve"]["x"] == [1, 3, 5]
    assert mce.details["curve"]["y"] == pytest.approx([0.2, 0.5, 0.6])
    one_severity = _mce({k: v for k, v in scores.items() if "fog" not in k})["mce"]
    assert "curve" not in one_severity.details


def test_interval_is_the_paired_bootstrap_over_samples():
    rng = np.random.default_rng(3)
    clean = rng.random(60) < 0.9
    noisy = clean & (rng.random(60) < 0.7)  # a corruption breaks some of the right answers
    scores = {"none": _scores(clean), "corruption.gaussian_noise": _scores(noisy)}
    rows = _mce(scores, resamples=400)
    idx = np.random.default_rng(0).integers(0, 60, size=(400, 60))
    drops = [clean[i].mean() - noisy[i].mean() for i in idx]
    expected = tuple(np.percentile(drops, [2.5, 97.5]))
    relative = rows["relative_mce"]
    assert (relative.ci_low, relative.ci_high) == pytest.approx(expected)
    # pairing keeps the correlation: narrower than treating the two conditions as independent
    assert relative.ci_high - relative.ci_low < 0.9 * (
        np.subtract(*np.percentile([noisy[i].mean() for i in idx], [97.5, 2.5])) * np.sqrt(2)
    )


def test_zoo_clip_mce_agrees_with_its_accuracy_rows():
    model = resolve_model("zoo:clip").load()
    task = build_task(Spec(name="robustness.zero_shot", params={"n": 100}))
    samples = task.samples(DataContext(seed=0, limit=None))
    task = task.resolve(samples)
    scores = {}
    for spec in task.conditions():
        attack = build_attack(spec)
        per_sample = task.score(model, [attack.apply(s) for s in samples])
        scores[attack.label] = [s for ss in per_sample for s in ss]
    rows = {
        (r.attack, r.metric): r
        for r in metric_rows(ACCURACY_METRICS, scores, task="zs", mitigation="none", model="m")
    }
    corrupted = [a for a in scores if a != "none"]
    assert len(corrupted) == 4
    mce = _mce(scores)
    expected = np.mean([1 - rows[(a, "accuracy")].value for a in corrupted])
    assert mce["mce"].value == pytest.approx(expected)
    drops = np.mean([rows[(a, "accuracy_drop")].value for a in corrupted])
    assert mce["relative_mce"].value == pytest.approx(drops)
    assert mce["relative_mce"].ci_low > 0  # the corruptions do cost zoo:clip accuracy
    assert mce["mce"].n == 100
