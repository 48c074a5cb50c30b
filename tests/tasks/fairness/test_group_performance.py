"""fairness.group_performance: per-group accuracy and fairlearn's disparity measures."""

import numpy as np
import pytest
from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference
from vlmtrust_testing import run_task_directly

from vlmtrust.tasks.fairness.group_performance import _max_gaps

NAME = "fairness.group_performance"


def _rows(rows):
    return {r.metric: r for r in rows}


def test_bootstrap_statistic_equals_fairlearn():
    rng = np.random.default_rng(3)
    classes = ["x", "y", "z"]
    truth = rng.choice(classes, size=400)
    groups = rng.choice(["A", "B"], size=400)
    predicted = np.where(rng.random(400) < 0.7, truth, rng.choice(classes, size=400))
    predicted = np.where((groups == "A") & (rng.random(400) < 0.2), "x", predicted)
    dp, eo = _max_gaps(truth, predicted, groups, classes)
    expected_dp = max(
        demographic_parity_difference(truth == c, predicted == c, sensitive_features=groups)
        for c in classes
    )
    expected_eo = max(
        equalized_odds_difference(truth == c, predicted == c, sensitive_features=groups)
        for c in classes
    )
    assert dp == pytest.approx(expected_dp) and eo == pytest.approx(expected_eo)


def test_point_estimate_and_bootstrap_statistic_agree_where_a_rate_is_undefined():
    """Group B never has class x (no TPR for x), group A never lacks it: both the point
    estimate and the bootstrap statistic leave the undefined rate out (was 1.0 vs 0.0)."""
    from vlmtrust.metrics.fairness import disparity

    truth = np.array(["x", "y", "x", "y", "x", "y"])
    groups = np.array(["A", "B", "A", "B", "A", "B"])
    _, eo = _max_gaps(truth, truth, groups, ["x", "y"])
    point = max(
        disparity(list(truth == c), list(truth == c), list(groups)).equalized_odds_difference
        for c in ("x", "y")
    )
    assert eo == point == 0.0


def test_zoo_clip_decides_by_group_where_its_twin_does_not(zoo_clip, zoo_clip_fair):
    biased = _rows(run_task_directly(NAME, zoo_clip, params={"pairs": 120}))
    fair = _rows(run_task_directly(NAME, zoo_clip_fair, params={"pairs": 120}))
    assert set(biased["accuracy"].details["by_group"]) == {"A", "B"}
    dp = biased["demographic_parity_difference"]
    # on prop-less scenes zoo:clip calls group A "doctor" and group B "builder"
    assert dp.ci_low > fair["demographic_parity_difference"].ci_high
    assert max(dp.details["by_class"], key=dp.details["by_class"].get) in ("doctor", "builder")
    eo = biased["equalized_odds_difference"]
    assert eo.value >= dp.value * 0.5 and eo.ci_low <= eo.value <= eo.ci_high
    worst = biased["worst_group_accuracy"]
    assert worst.value == min(g["value"] for g in worst.details["by_group"].values())
