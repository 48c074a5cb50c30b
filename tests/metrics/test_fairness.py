"""Fairness statistics against cases worked out by hand, and against fairlearn's own functions."""

import math

import numpy as np
import pytest
from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference

from vlmtrust.metrics.fairness import bias_distance, disparity, max_skew, ndkl, weat

EVEN = {"A": 0.5, "B": 0.5}


def test_max_skew_by_hand():
    # 3 of 4 are A: A fills 0.75 / 0.5 = 1.5 times its share
    assert max_skew(["A", "A", "A", "B"], EVEN) == pytest.approx(math.log(1.5))
    assert max_skew(["A", "B"], EVEN) == 0.0
    # only A: ln(1 / 0.5); the absent group's -inf never wins
    assert max_skew(["A"] * 10, EVEN) == pytest.approx(math.log(2))
    # an unequal desired share: B is 1/4 of the pool and half of the list
    assert max_skew(["A", "B"], {"A": 0.75, "B": 0.25}) == pytest.approx(math.log(2))
    with pytest.raises(ValueError):
        max_skew(["C"], EVEN)


def test_ndkl_by_hand():
    # prefix 1 = {A: 1}: KL = ln 2, weight 1; prefix 2 = even: KL 0, weight 1/log2(3)
    expected = math.log(2) / (1 + 1 / math.log2(3))
    assert ndkl(["A", "B"], EVEN) == pytest.approx(expected)
    assert ndkl(["A", "B", "A", "B"], EVEN) < ndkl(["A", "A", "B", "B"], EVEN)
    # all one group: every prefix has KL ln 2, so the weighted mean is ln 2
    assert ndkl(["B"] * 5, EVEN) == pytest.approx(math.log(2))


def test_weat_by_hand():
    a, b = np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])
    # s = cos(w, A) - cos(w, B): X -> [1, -0.2], Y -> [-1, 0.2]
    x = np.array([[1.0, 0.0], [3.0, 4.0]])
    y = np.array([[0.0, 1.0], [4.0, 3.0]])
    result = weat(x, y, a, b)
    pooled_sd = math.sqrt((1 + 0.04 + 1 + 0.04) / 3)
    assert result.effect_size == pytest.approx(0.8 / pooled_sd)
    # the 6 re-partitions give sum_X - sum_Y of 1.6, 0, 2.4, -2.4, 0, -1.6: two reach 1.6
    assert result.exact and result.permutations == 6
    assert result.p_value == pytest.approx(2 / 6)
    swapped = weat(y, x, a, b)
    assert swapped.effect_size == pytest.approx(-result.effect_size)


def test_weat_sampled_permutations_find_a_real_association():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(5, 8)), rng.normal(size=(5, 8))
    x = a.mean(0) + 0.3 * rng.normal(size=(30, 8))
    y = b.mean(0) + 0.3 * rng.normal(size=(30, 8))
    result = weat(x, y, a, b, permutations=2000)
    assert not result.exact and result.effect_size > 1.5 and result.p_value < 0.01
    null = weat(x[:15], x[15:], a, b, permutations=2000)
    assert null.p_value > 0.01


def test_bias_distance_by_hand():
    group_a = np.array([[1.0, 0.0], [1.0, 0.0]])
    group_b = np.array([[0.0, 1.0], [0.0, 1.0]])
    assert bias_distance(group_a, group_b, np.array([2.0, 0.0])) == pytest.approx(1.0)
    assert bias_distance(group_a, group_b, np.array([1.0, 1.0])) == pytest.approx(0.0)


def test_disparity_matches_fairlearn():
    rng = np.random.default_rng(1)
    groups = rng.choice(["A", "B", "C"], size=300)
    y_true = rng.random(300) < 0.4
    y_pred = rng.random(300) < np.where(groups == "A", 0.6, 0.3)
    result = disparity(y_true, y_pred, groups)
    assert result.demographic_parity_difference == pytest.approx(
        demographic_parity_difference(y_true, y_pred, sensitive_features=groups)
    )
    assert result.equalized_odds_difference == pytest.approx(
        equalized_odds_difference(y_true, y_pred, sensitive_features=groups)
    )
    assert result.by_group["A"]["selection_rate"] == pytest.approx(y_pred[groups == "A"].mean())


def test_a_rate_a_group_cannot_have_is_left_out_of_equalized_odds():
    """The issue's reproduction: group b has no positives (no TPR), group a no negatives (no
    FPR); a perfect classifier then has no odds gap, though fairlearn's rates would say 1.0."""
    result = disparity([1, 0, 1, 0], [1, 0, 1, 0], ["a", "b", "a", "b"])
    assert result.equalized_odds_difference == 0.0
    assert result.demographic_parity_difference == 1.0  # base rates differ: selection does too
    assert result.by_group["b"]["true_positive_rate"] is None
    assert (
        disparity([1, 0, 1, 0], [1, 1, 0, 0], ["a", "a", "b", "b"]).equalized_odds_difference == 1.0
    )


def test_a_ranked_group_with_no_desired_share_is_infinitely_skewed():
    """The issue's defect: max_skew raised (or, beside other groups, ignored the group) and
    ndkl divided by zero when a group in the top k had a desired share of 0."""
    desired = {"A": 1.0, "B": 0.0}
    assert max_skew(["B"], desired) == math.inf
    assert max_skew(["A", "B"], desired) == math.inf  # no longer hidden by A's finite skew
    assert ndkl(["A", "B"], desired) == math.inf
    assert max_skew(["A"], desired) == 0.0 and ndkl(["A"], desired) == 0.0
