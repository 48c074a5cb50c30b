"""A bootstrap interval over fewer than 10 units is marked on its row; its numbers are not."""

from vlmtrust.metrics.calibration import mean_estimate
from vlmtrust.metrics.power import MIN_BOOTSTRAP_UNITS, bootstrap_note, rate_note
from vlmtrust.metrics.rates import Estimate, Resampled


def _row(estimate: Estimate, details: dict | None = None):
    return estimate.as_row(
        task="t", attack="none", mitigation="none", metric="m", model="x", details=details or {}
    )


def test_a_mean_bootstrapped_over_five_samples_is_marked_and_keeps_its_numbers():
    estimate = mean_estimate([0.1, 0.4, 0.2, 0.9, 0.5], unit="twin pairs")
    row = _row(estimate)
    assert row.details["underpowered"] == bootstrap_note(5, "twin pairs")
    assert row.details["underpowered"]["n_samples"] == 5
    assert row.details["underpowered"]["minimum"] == MIN_BOOTSTRAP_UNITS == 10
    assert "percentile bootstrap over 5 twin pairs" in row.details["underpowered"]["why"]
    assert (row.value, row.ci_low, row.ci_high, row.n) == (
        estimate.value,
        estimate.ci_low,
        estimate.ci_high,
        5,
    )


def test_ten_units_are_enough():
    assert "underpowered" not in _row(mean_estimate([float(i) for i in range(10)])).details
    assert bootstrap_note(10, "samples") is None


def test_an_estimate_with_no_interval_or_no_bootstrap_is_not_marked():
    assert "underpowered" not in _row(Estimate(0.5, 0.2, 0.8, 3)).details  # e.g. Wilson
    no_interval = Estimate(0.5, None, None, 1, resampled=Resampled(1))
    assert "underpowered" not in _row(no_interval).details


def test_a_note_already_on_the_row_is_kept():
    task_wide = {"n_samples": 3, "minimum": 500, "why": "w", "fix": "f"}
    row = _row(mean_estimate([1.0, 2.0]), {"underpowered": task_wide})
    assert row.details["underpowered"] == task_wide


def test_what_was_resampled_is_not_part_of_an_estimates_equality():
    assert Estimate(1.0, 0.0, 2.0, 5, resampled=Resampled(5)) == Estimate(1.0, 0.0, 2.0, 5)


def test_a_rate_over_a_few_items_outside_any_scan_is_marked():
    assert rate_note(3, "label more")["n_samples"] == 3
    assert rate_note(10, "label more") is None


def test_a_note_names_what_is_too_small_not_the_rows_sample_count():
    """A retrieval row over 1,000 samples is underpowered by its 5 sub-pools, not by its n."""
    from vlmtrust.metrics.power import describe

    pools = describe(bootstrap_note(5, "sub-pools") or {})
    assert pools == "interval bootstrapped over 5 sub-pools (fewer than 10)"
    group = {"n_samples": 4, "minimum": 10, "group": "young", "key": "identity"}
    assert describe(group) == "identity young has 4 samples (fewer than 10)"
    assert describe({"n_samples": 100, "minimum": 500}) == "100 samples < 500"
