"""Calibration metrics, worked out by hand and cross-checked against a direct numpy loop."""

import math

import numpy as np
import pytest

from vlmtrust.metrics.calibration import (
    bin_index,
    brier_estimate,
    ece_estimate,
    expected_calibration_error,
    floored,
    negative_log_likelihood,
    nll_estimate,
    reliability_diagram,
    top_label_brier,
)

# Bins are 1/15 wide: 0.95 lands in bin 14 (0.933, 1], 0.55 in bin 8 (0.533, 0.6],
# 0.25 in bin 3 (0.2, 0.267].
CONF = [0.95, 0.95, 0.55, 0.25]
CORRECT = [True, False, True, False]
P_TRUE = [0.95, 0.03, 0.55, 0.0]


def test_ece_on_four_samples_by_hand():
    # bin 14: |0.5 - 0.95| * 2/4 = 0.225; bin 8: |1 - 0.55| * 1/4 = 0.1125;
    # bin 3: |0 - 0.25| * 1/4 = 0.0625
    assert expected_calibration_error(CONF, CORRECT) == pytest.approx(0.4)


def test_reliability_diagram_by_hand():
    diagram = reliability_diagram(CONF, CORRECT)
    assert len(diagram) == 15 and sum(b.count for b in diagram) == 4
    filled = {k: b for k, b in enumerate(diagram) if b.count}
    assert sorted(filled) == [3, 8, 14]
    assert (filled[14].count, filled[14].confidence, filled[14].accuracy) == (2, 0.95, 0.5)
    assert (filled[8].accuracy, filled[3].accuracy) == (1.0, 0.0)
    assert filled[3].low == pytest.approx(3 / 15) and filled[3].high == pytest.approx(4 / 15)
    assert diagram[0].confidence is None and diagram[0].accuracy is None


def test_brier_and_nll_by_hand():
    # (0.05^2 + 0.95^2 + 0.45^2 + 0.25^2) / 4
    assert top_label_brier(CONF, CORRECT) == pytest.approx(1.17 / 4)
    # p = 0 is clipped to 1e-12: -log(1e-12) = 27.631
    expected = (-math.log(0.95) - math.log(0.03) - math.log(0.55) + 12 * math.log(10)) / 4
    assert negative_log_likelihood(P_TRUE) == pytest.approx(expected)


def test_bin_edges_belong_to_the_lower_bin_and_the_ends_are_kept():
    assert list(bin_index([0.0, 1 / 15 + 1e-12, 0.5, 1.0])) == [0, 1, 7, 14]
    assert list(bin_index([0.0, 0.5, 0.5000001, 1.0], bins=2)) == [0, 0, 1, 1]


def test_all_wrong_means_ece_is_mean_confidence():
    conf = np.array([0.99, 0.97, 0.6, 0.35])
    assert expected_calibration_error(conf, np.zeros(4)) == pytest.approx(conf.mean())


def _ece_loop(conf: np.ndarray, correct: np.ndarray, bins: int) -> float:
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for k in range(bins):
        low, high = edges[k], edges[k + 1]
        member = (conf > low) & (conf <= high) if k else (conf >= low) & (conf <= high)
        if member.any():
            gap = abs(correct[member].mean() - conf[member].mean())
            total += gap * member.sum() / len(conf)
    return total


@pytest.mark.parametrize("bins", [1, 10, 15])
def test_ece_matches_a_direct_numpy_loop_on_random_data(bins):
    rng = np.random.default_rng(bins)
    for _ in range(10):
        conf = rng.uniform(0, 1, size=rng.integers(1, 300))
        correct = (rng.uniform(0, 1, size=len(conf)) < conf**2).astype(float)
        assert expected_calibration_error(conf, correct, bins) == pytest.approx(
            _ece_loop(conf, correct, bins)
        )


def test_estimates_have_n_intervals_around_the_value_and_are_seeded():
    rng = np.random.default_rng(4)
    conf = rng.uniform(0.3, 1, 200)
    correct = rng.uniform(0, 1, 200) < conf - 0.1
    p_true = np.where(correct, conf, rng.uniform(0, 0.3, 200))
    for make in (
        lambda seed: ece_estimate(conf, correct, resamples=400, seed=seed),
        lambda seed: brier_estimate(conf, correct, resamples=400, seed=seed),
        lambda seed: nll_estimate(p_true, resamples=400, seed=seed),
    ):
        est = make(0)
        assert est.n == 200
        assert est.ci_low <= est.value <= est.ci_high and est.ci_low < est.ci_high
        assert make(0) == est and make(1) != est


def test_empty_sets_give_no_value_and_bad_inputs_are_rejected():
    assert ece_estimate([], []).value is None
    assert nll_estimate([]).n == 0
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        expected_calibration_error([1.2], [True])
    with pytest.raises(ValueError, match="0/1"):
        top_label_brier([0.5], [0.5])
    with pytest.raises(ValueError):
        expected_calibration_error([0.5, 0.6], [True])


def test_a_nan_is_left_out_of_a_mean_and_counted_not_passed_through():
    """The issue's defect: mean_estimate returned NaN for any NaN input, silently."""
    from vlmtrust.metrics.calibration import mean_estimate

    estimate = mean_estimate([0.2, float("nan"), 0.4, float("nan")], resamples=200)
    assert estimate.value == pytest.approx(0.3) and estimate.n == 2
    assert estimate.n_unscorable == 2 and estimate.ci_low <= 0.3 <= estimate.ci_high
    nothing = mean_estimate([float("nan")], resamples=200)
    assert (nothing.value, nothing.n, nothing.n_unscorable) == (None, 0, 1)
    with np.errstate(invalid="ignore"):  # the interval of an infinite mean is inf - inf
        assert mean_estimate([1.0, float("inf")], resamples=200).value == float("inf")


def test_floored_counts_the_probabilities_below_the_floor():
    assert floored(P_TRUE) == 1
    assert floored([0.0, 1e-13, 1e-12, 0.5]) == 2  # 1e-12 itself is not below the floor
