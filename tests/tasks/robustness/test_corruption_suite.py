"""robustness.corruption_error: every ImageNet-C corruption at every asked severity on
zoo:clip, with mCE over them and by family (a small n: the default 100 takes minutes). The
mCE arithmetic itself is checked by hand in test_corruption_error.py."""

import numpy as np
import pytest

from vlmtrust.attacks.base import build_attack
from vlmtrust.attacks.imagenet_c import ALL, COMMON, FAMILIES
from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import Spec
from vlmtrust.metrics.declared import metric_rows
from vlmtrust.models.base import resolve_model
from vlmtrust.tasks.base import DataContext, build_task
from vlmtrust.tasks.suite import suite_specs


def test_defaults_are_all_nineteen_at_three_severities_and_it_stays_out_of_the_pillar():
    task = build_task(Spec(name="robustness.corruption_error"))
    conditions = [s for s in task.conditions() if s.name != "none"]
    assert len(conditions) == 19 * 3
    assert {s.name.removeprefix("corruption.") for s in conditions} == set(ALL)
    assert {s.params["severity"] for s in conditions} == {1, 3, 5}
    specs, skipped = suite_specs(["robustness"], frozenset({"Classifier", "Embedder"}))
    assert "robustness.corruption_error" not in {s.name for s in specs}
    assert any(s.startswith("robustness.corruption_error (slow") for s in skipped)
    with pytest.raises(ConfigError, match="severities"):
        build_task(Spec(name="robustness.corruption_error", params={"severities": [0]}))


# 96 conditions of zoo:clip scoring: 1-2 minutes on 2 loaded cores, so in the slow tail
@pytest.mark.slow
def test_all_nineteen_at_five_severities_on_zoo_clip():
    model = resolve_model("zoo:clip").load()
    params = {"n": 6, "severities": [1, 2, 3, 4, 5]}
    task = build_task(Spec(name="robustness.corruption_error", params=params))
    samples = task.samples(DataContext(seed=0, limit=None))
    task = task.resolve(samples)
    scores = {}
    for spec in task.conditions():
        attack = build_attack(spec)
        per_sample = task.score(model, [attack.apply(s) for s in samples])
        scores[attack.label] = [s for ss in per_sample for s in ss]
    assert len(scores) == 1 + 19 * 5
    rows = {
        (r.attack, r.metric): r
        for r in metric_rows(task.metrics, scores, task="t", mitigation="none", model="m")
    }
    mce = rows[("all_corruptions", "mce")]
    accuracy = {a: rows[(a, "accuracy")].value for a in scores if a != "none"}
    assert mce.value == pytest.approx(np.mean([1 - v for v in accuracy.values()]))
    assert set(mce.details["ce"]) == set(ALL) and mce.details["severities"] == [1, 2, 3, 4, 5]
    assert list(mce.details["by_family"]) == list(FAMILIES)
    common = [mce.details["ce"][c] for c in COMMON]
    assert mce.details["mce_15"] == pytest.approx(np.mean(common), abs=1e-6)
    curve = mce.details["curve"]
    assert curve["x"] == [1, 2, 3, 4, 5] and curve["y"][4] > curve["y"][0]  # worse when harsher
