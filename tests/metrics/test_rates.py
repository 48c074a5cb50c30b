import pytest
from scipy.stats import binomtest

from vlmtrust.core.records import Score
from vlmtrust.metrics.rates import (
    Estimate,
    accuracy,
    accuracy_drop,
    difference,
    per_group_fpr,
    wilson,
)


def _scores(hits: int, misses: int, unscorable: int = 0) -> list[Score]:
    out = [Score(sample_id=f"h{i}", metric="c", value=1.0) for i in range(hits)]
    out += [Score(sample_id=f"m{i}", metric="c", value=0.0) for i in range(misses)]
    out += [Score.cannot_score(f"u{i}", "c", "no label") for i in range(unscorable)]
    return out


def test_wilson_matches_the_closed_form():
    # Wilson interval for 0/10: upper bound z^2/(n+z^2) = 3.8415/13.8415
    low, high = wilson(0, 10)
    assert low == pytest.approx(0.0, abs=1e-12)
    assert high == pytest.approx(3.841459 / 13.841459, rel=1e-5)
    low, high = wilson(7, 10)
    assert (low, high) == pytest.approx((0.3968, 0.8922), abs=1e-4)


def test_accuracy_leaves_unscorable_out_and_counts_it():
    est = accuracy(_scores(3, 1, unscorable=5))
    assert est.value == 0.75 and est.n == 4 and est.n_unscorable == 5
    ci = binomtest(3, 4).proportion_ci(method="wilson")
    assert (est.ci_low, est.ci_high) == pytest.approx((ci.low, ci.high))


def test_all_unscorable_gives_no_value():
    est = accuracy(_scores(0, 0, unscorable=3))
    assert est.value is None and est.n == 0 and est.n_unscorable == 3


def test_rate_rejects_non_binary_values():
    with pytest.raises(ValueError):
        accuracy([Score(sample_id="a", metric="c", value=0.5)])


def test_difference_interval_contains_the_difference_and_separation():
    drop = accuracy_drop(_scores(90, 10), _scores(40, 60))
    assert drop.value == pytest.approx(0.5)
    assert drop.ci_low < 0.5 < drop.ci_high
    assert drop.ci_low > 0  # a 90% -> 40% drop on 100 samples is clearly real
    same = difference(accuracy(_scores(50, 50)), accuracy(_scores(52, 48)))
    assert same.ci_low < 0 < same.ci_high
    assert accuracy(_scores(90, 10)).separates_from(accuracy(_scores(40, 60)))
    assert not accuracy(_scores(50, 50)).separates_from(accuracy(_scores(52, 48)))
    assert not Estimate(None, None, None, 0).separates_from(accuracy(_scores(1, 1)))


def test_wilson_equals_scipys_wilson_interval_to_the_bit():
    from scipy.stats import binomtest

    from vlmtrust.metrics.rates import wilson

    pairs = [(k, n) for n in range(1, 81) for k in range(n + 1)]
    pairs += [(k, n) for n in (997, 10_007) for k in (0, 1, 2, n // 3, n // 2, n - 1, n)]
    for k, n in pairs:
        ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        assert wilson(k, n) == (float(ci.low), float(ci.high)), (k, n)
    with pytest.raises(ValueError, match="n >= 1"):
        wilson(0, 0)


def test_a_difference_keeps_what_both_sides_left_out():
    """The issue's defect: asr_gap rows lost n_unscorable (only the None branch kept it)."""
    a = Estimate(0.5, 0.3, 0.7, 20, n_unscorable=3)
    b = Estimate(0.2, 0.1, 0.4, 20, n_unscorable=1)
    assert difference(a, b).n_unscorable == 4


def test_per_group_fpr_counts_negatives_judged_positive_per_group():
    labels = [False, False, False, True, False, False, False, True]
    verdicts = [True, False, None, True, False, False, True, False]
    groups = ["b", "b", "b", "b", "a", "a", None, "c"]
    rates = per_group_fpr(labels, verdicts, groups)
    assert list(rates) == ["a", "b", "c"]  # sorted; the ungrouped item is skipped
    assert rates["b"] == Estimate(0.5, *wilson(1, 2), n=2, n_unscorable=1)
    assert rates["a"] == Estimate(0.0, *wilson(0, 2), n=2, n_unscorable=0)
    # a group with positives only has no false-positive rate to give
    assert rates["c"] == Estimate(None, None, None, 0, 0)
