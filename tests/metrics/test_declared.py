"""metrics/declared by hand: each declared metric's numbers, n and unscorable handling."""

from __future__ import annotations

import pytest

from vlmtrust.core.records import Score
from vlmtrust.metrics.calibration import mean_estimate
from vlmtrust.metrics.declared import (
    Computed,
    attacked_only,
    bootstrap_mean,
    by_group,
    change_from,
    custom,
    drop_from_clean,
    mean,
    metric_rows,
    on,
    per_condition,
    rate,
    split_by,
    where,
)
from vlmtrust.metrics.rates import Estimate, difference, wilson
from vlmtrust.metrics.rates import rate as wilson_rate


def _s(i: int, value: float | None, metric: str = "correct", **details: str) -> Score:
    if value is None:
        return Score.cannot_score(f"s{i}", metric, "judge could not decide")
    return Score(sample_id=f"s{i}", metric=metric, value=value, details=details)


CLEAN = [_s(0, 1.0, g="A"), _s(1, 1.0, g="A"), _s(2, 1.0, g="B"), _s(3, 0.0, g="B"), _s(4, None)]
BLUR = [_s(0, 1.0, g="A"), _s(1, 0.0, g="A"), _s(2, 0.0, g="B"), _s(3, 0.0, g="B"), _s(4, 1.0)]
SCORES = {"none": CLEAN, "blur": BLUR}


def _rows(*declared):
    return {
        (r.attack, r.metric): r
        for r in metric_rows(
            declared, SCORES, task="t.x", mitigation="m", model="z", details={"k": 1}
        )
    }


def test_rate_counts_only_scorable_scores_with_wilson_intervals():
    rows = _rows(rate("correct", "accuracy"))
    clean = rows[("none", "accuracy")]
    bounds = {"unscorable_bounds": [3 / 5, 4 / 5]}  # the undecided one a 0, or a 1
    assert (clean.value, clean.n) == (0.75, 4)
    assert clean.details == {"k": 1, "n_unscorable": 1, **bounds}
    assert (clean.ci_low, clean.ci_high) == pytest.approx(wilson(3, 4))
    assert rows[("blur", "accuracy")].value == pytest.approx(2 / 5)
    assert {r.task for r in rows.values()} == {"t.x"} and {r.model for r in rows.values()} == {"z"}


def test_drop_from_clean_is_the_newcombe_difference():
    rows = _rows(drop_from_clean(rate("correct", "accuracy")))
    assert list(rows) == [("blur", "accuracy_drop")]
    expected = difference(wilson_rate(CLEAN), wilson_rate(BLUR))
    assert rows[("blur", "accuracy_drop")].value == pytest.approx(expected.value)
    assert rows[("blur", "accuracy_drop")].ci_low == pytest.approx(expected.ci_low)


def test_mean_has_a_seeded_bootstrap_interval():
    scores = {"none": [_s(i, float(i), "margin") for i in range(10)]}
    first = metric_rows([mean("margin")], scores, task="t.x", mitigation="m", model="z")[0]
    again = metric_rows([mean("margin")], scores, task="t.x", mitigation="m", model="z")[0]
    assert first.value == 4.5 and first.n == 10 and first == again
    assert first.ci_low < 4.5 < first.ci_high


def test_by_group_gives_one_row_per_group_and_the_gap_between_them():
    rows = _rows(by_group(rate("correct", "accuracy"), key="g"))
    assert rows[("none", "accuracy[group=A]")].value == 1.0
    assert rows[("none", "accuracy[group=B]")].value == 0.5
    gap = rows[("none", "accuracy_gap")]
    assert gap.value == 0.5 and gap.details["best"] == "A" and gap.details["worst"] == "B"
    assert set(gap.details["by_group"]) == {"A", "B"} and gap.ci_low < 0.5 < gap.ci_high
    # the sample without a group is in no group row
    assert rows[("blur", "accuracy[group=A]")].n + rows[("blur", "accuracy[group=B]")].n == 4


def test_change_from_a_reference_is_signed_and_skips_the_reference():
    of = rate("correct", "accuracy")
    rows = _rows(change_from(of, "none", "gain"), change_from(of, "blur", "vs_blur", drop=True))
    up = difference(wilson_rate(BLUR), wilson_rate(CLEAN))
    assert set(rows) == {("blur", "gain"), ("none", "vs_blur")}
    assert rows[("blur", "gain")].value == pytest.approx(up.value) and up.value < 0
    assert rows[("none", "vs_blur")].value == pytest.approx(up.value)  # blur minus clean again
    assert _rows(change_from(of, "typographic", "gap")) == {}  # no reference: nothing


def test_change_from_details_may_read_both_estimates_and_need_a_scorable_reference():
    def separated(after, before):
        return {"separated": after.separates_from(before)}

    of = rate("correct")
    change = change_from(of, "none", "up", details=separated, shared=False, unscorable=False)
    row = _rows(change)[("blur", "up")]
    assert row.details == {"separated": False}
    unscorable_clean = {"none": [_s(0, None)], "blur": BLUR}
    strict = change_from(of, "none", "up", scorable_reference=True)
    assert metric_rows([strict], unscorable_clean, task="t", mitigation="m", model="z") == []
    loose = metric_rows([change_from(of)], unscorable_clean, task="t", mitigation="m", model="z")
    assert [r.value for r in loose] == [None]


def test_attacked_only_skips_the_clean_condition_and_conditions_without_such_scores():
    scores = {"none": [_s(0, 1.0, "fooled")], "a": [_s(0, 1.0, "fooled")], "b": [_s(0, 1.0)]}
    rows = metric_rows(
        [attacked_only(rate("fooled", "attack_success"))],
        scores,
        task="t",
        mitigation="m",
        model="z",
    )
    assert [(r.attack, r.metric, r.value) for r in rows] == [("a", "attack_success", 1.0)]


def test_split_by_gives_one_row_per_value_with_the_estimators_details():
    def reasons(scores):
        return {"reasons": sorted(s.reason for s in scores if s.unscorable)}

    of = rate("correct", "asr", details=reasons)
    rows = _rows(split_by(of, "g"))
    assert set(rows) == {(a, f"asr.g.{g}") for a in ("none", "blur") for g in "AB"}
    assert rows[("none", "asr.g.B")].value == 0.5 and rows[("none", "asr.g.B")].n == 2
    assert rows[("none", "asr.g.A")].details == {"k": 1, "n_unscorable": 0, "reasons": []}


def test_estimator_over_every_metric_and_the_row_stamping_opt_outs():
    mixed = {"none": [_s(0, 1.0, "x"), _s(1, 0.0, "y"), _s(2, None, "z")]}
    bare = rate(None, "all", shared=False, unscorable=False, details={"note": "n"})
    [row] = metric_rows([bare], mixed, task="t", mitigation="m", model="z", details={"k": 1})
    assert (row.value, row.n, row.details) == (0.5, 2, {"note": "n"})
    own = rate(None, "own", details={"n_unscorable": 7})  # a metric's own count wins
    [row] = metric_rows([own], mixed, task="t", mitigation="m", model="z")
    assert row.details == {"n_unscorable": 7}


def test_on_a_view_and_where_drop_conditions_left_empty():
    only_a = where(lambda s: s.details.get("g") == "A", lambda attack: attack != "blur")
    rows = _rows(on(only_a, rate("correct", "accuracy")))
    assert list(rows) == [("none", "accuracy")] and rows[("none", "accuracy")].n == 2
    nothing = where(lambda s: s.details.get("g") == "C")
    assert _rows(on(nothing, rate("correct"))) == {}


def test_per_condition_and_custom_metrics_are_stamped_by_the_framework():
    def counted(scores):
        yield "count", Estimate(float(len(scores)), None, None, len(scores)), {"why": "test"}

    def pooled(scores):
        total = sum(len(found) for found in scores.values())
        return [Computed("all", "total", Estimate(float(total), None, None, total))]

    rows = _rows(per_condition(counted, shared=False), custom(pooled))
    assert rows[("none", "count")].details == {"why": "test", "n_unscorable": 1}
    assert rows[("all", "total")].value == 10.0 and rows[("all", "total")].task == "t.x"
    assert rows[("all", "total")].details == {"k": 1, "n_unscorable": 0}


def test_bootstrap_mean_of_a_statistic_matches_the_calibration_bootstrap():
    scores = {"none": [_s(i, float(i), "margin") for i in range(10)] + [_s(10, None, "margin")]}
    squared = bootstrap_mean("margin", "sq", lambda s: (s.value or 0.0) ** 2, resamples=300)
    [row] = metric_rows([squared], scores, task="t", mitigation="m", model="z")
    expected = mean_estimate([float(i) ** 2 for i in range(10)], 300, 0)
    assert (row.value, row.ci_low, row.ci_high, row.n) == (
        expected.value,
        expected.ci_low,
        expected.ci_high,
        10,
    )
    assert row.details["n_unscorable"] == 1


def test_a_rate_with_unscorable_items_carries_the_bounds_they_could_move_it_to():
    """3 of 4 decided are 1, 2 undecided: the rate could be 3/6 (both 0) to 5/6 (both 1)."""
    scores = [_s(0, 1.0), _s(1, 1.0), _s(2, 1.0), _s(3, 0.0), _s(4, None), _s(5, None)]
    (row,) = metric_rows(
        [rate("correct")], {"none": scores}, task="t", mitigation="none", model="m"
    )
    assert (row.value, row.n, row.details["n_unscorable"]) == (0.75, 4, 2)
    assert row.details["unscorable_bounds"] == pytest.approx([3 / 6, 5 / 6])
    (decided,) = metric_rows(
        [rate("correct")], {"none": scores[:4]}, task="t", mitigation="none", model="m"
    )
    assert "unscorable_bounds" not in decided.details


def test_rates_and_means_offer_per_sample_terms_by_id_for_paired_tests():
    scores = {"none": [_s(0, 1.0), _s(1, 0.0), _s(2, None)], "jpeg": [_s(0, 0.0), _s(1, 0.0)]}
    terms = rate("correct").terms(scores)
    assert terms["none", "correct"].kind == "binary"
    assert terms["none", "correct"].values == {"s0": 1.0, "s1": 0.0}  # unscorable left out
    assert mean("correct").terms(scores)["jpeg", "correct"].kind == "continuous"
    twice = {"none": [_s(0, 1.0), _s(0, 0.0)]}  # two scores of one sample: no one-to-one pairs
    assert rate("correct").terms(twice) == {}


def test_a_drop_from_clean_offers_each_samples_clean_minus_attacked_term():
    clean = [_s(0, 1.0), _s(1, 1.0), _s(2, 0.0)]
    scores = {"none": clean, "jpeg": [_s(0, 0.0), _s(1, 1.0), _s(2, 1.0)]}
    drop = drop_from_clean(rate("correct"))
    terms = drop.terms(scores)
    assert set(terms) == {("jpeg", "correct_drop")}  # none for the clean condition itself
    made = terms["jpeg", "correct_drop"]
    assert made.kind == "continuous" and made.values == {"s0": 1.0, "s1": 0.0, "s2": -1.0}
    (row,) = metric_rows([drop], scores, task="t", mitigation="none", model="m")
    assert row.value == pytest.approx(sum(made.values.values()) / 3)  # the row is their mean
    # a sample scored in one condition only: the mean of terms would not be the row, so none
    fewer = {"none": clean, "jpeg": [_s(0, 0.0), _s(1, 1.0), _s(2, None)]}
    assert drop.terms(fewer) == {}
