"""metrics/declared_groups by hand: group breakdowns, gaps, group-keeping bootstraps, and a
task's own statistics stamped by the framework."""

from __future__ import annotations

import numpy as np
import pytest

from vlmtrust.core.records import MetricRow, Score
from vlmtrust.metrics.declared import metric_rows, per_condition, rate
from vlmtrust.metrics.declared_groups import (
    best_worst_gap,
    bootstrap_within_groups,
    flag_rate,
    group_breakdown,
    proportion,
    restamped,
    two_sample_bootstrap,
)
from vlmtrust.metrics.rates import Estimate, difference, wilson
from vlmtrust.metrics.rates import rate as wilson_rate


def _s(i: int, value: float | None, metric: str = "correct", **details: object) -> Score:
    if value is None:
        return Score.cannot_score(f"s{i}", metric, "no answer")
    return Score(sample_id=f"s{i}", metric=metric, value=value, details=details)


# group A: 3 of 3 right; group B: 1 of 3 right; one unscorable
SCORES = [_s(0, 1, g="A"), _s(1, 1, g="A"), _s(2, 1, g="A")]
SCORES += [_s(3, 1, g="B"), _s(4, 0, g="B"), _s(5, 0, g="B"), _s(6, None)]


def _rows(declared, scores=None) -> dict[tuple[str, str], MetricRow]:
    found = metric_rows(
        declared,
        {"none": SCORES} if scores is None else scores,
        task="t.x",
        mitigation="m",
        model="z",
    )
    return {(r.attack, r.metric): r for r in found}


def test_proportion_is_a_wilson_share_and_empty_without_n():
    assert proportion(2, 5) == Estimate(0.4, *wilson(2, 5), 5)
    assert proportion(0, 0) == Estimate(None, None, None, 0)


def test_flag_rate_counts_unscorable_scores_apart():
    est = flag_rate(SCORES, lambda s: s.details["g"] == "B")
    assert (est.value, est.n, est.n_unscorable) == (0.5, 6, 1)


def test_best_worst_gap_takes_the_first_group_on_ties():
    tied = {"A": proportion(1, 2), "B": proportion(1, 2), "C": proportion(0, 2)}
    best, worst, gap = best_worst_gap(tied)
    assert (best, worst) == ("A", "C")
    assert gap == difference(tied["A"], tied["C"])


def test_group_breakdown_gives_overall_worst_group_and_gap_rows():
    rows = _rows([group_breakdown(rate("correct", "accuracy"), key="g")])
    names = ("accuracy", "worst_group_accuracy", "accuracy_gap")
    assert set(rows) == {("none", m) for m in names}
    overall, worst, gap = (rows["none", m] for m in names)
    assert (overall.value, overall.n) == (4 / 6, 6)
    assert (worst.value, worst.n, worst.details["group"]) == (1 / 3, 3, "B")
    assert gap.value == pytest.approx(2 / 3)
    assert (gap.details["best"], gap.details["worst"]) == ("A", "B")
    by_group = overall.details["by_group"]
    assert by_group["A"]["n"] == 3 and by_group["B"]["ci_low"] == pytest.approx(wilson(1, 3)[0])
    # every row counts the condition's unscorable score, whichever group it is about
    assert {r.details["n_unscorable"] for r in rows.values()} == {1}


def test_group_breakdown_with_one_group_gives_only_the_overall_row():
    rows = _rows([group_breakdown(rate("correct"), key="g")], {"none": SCORES[:3]})
    assert list(rows) == [("none", "correct")]


def test_two_sample_bootstrap_resamples_each_group_on_its_own():
    a, b = np.array([1.0, 1.0, 1.0]), np.array([0.0, 0.0])
    reps = two_sample_bootstrap(a, b, lambda x, y: x.mean() - y.mean(), resamples=50, seed=3)
    assert reps.shape == (50,) and set(reps) == {1.0}  # no draw mixes the groups
    again = two_sample_bootstrap(np.arange(5.0), b, lambda x, y: x.mean(), resamples=50, seed=3)
    other = two_sample_bootstrap(np.arange(5.0), b, lambda x, y: x.mean(), resamples=50, seed=4)
    assert not np.array_equal(again, other)


def test_bootstrap_within_groups_keeps_every_group_size():
    groups = np.array(["A", "A", "A", "B"])
    reps = bootstrap_within_groups(
        groups, lambda i: [float((groups[i] == "B").sum()), len(i)], resamples=20, seed=1
    )
    assert reps.shape == (20, 2) and set(reps[:, 0]) == {1.0} and set(reps[:, 1]) == {4.0}


def test_restamped_rows_keep_their_numbers_and_details_and_get_the_scan_stamp():
    made = MetricRow(
        task="t.x",
        attack="calibration",
        mitigation="",
        metric="judge.p",
        value=0.5,
        ci_low=0.1,
        ci_high=0.9,
        n=4,
        model="",
        details={"c": 1},
    )
    rows = _rows([restamped(lambda: [made])], {})
    row = rows["calibration", "judge.p"]
    assert (row.value, row.ci_low, row.ci_high, row.n, row.details) == (0.5, 0.1, 0.9, 4, {"c": 1})
    assert (row.mitigation, row.model) == ("m", "z")


def _shares(scores):
    scored = [s for s in scores if not s.unscorable]
    return {"right": (wilson_rate(scored), {"of": len(scored)})}


def test_per_condition_stamps_a_task_statistic_with_the_condition_unscorable_count():
    rows = _rows([per_condition(_shares)], {"none": SCORES, "blur": SCORES[:2]})
    assert rows["none", "right"].details == {"of": 6, "n_unscorable": 1}
    assert rows["blur", "right"].details == {"of": 2, "n_unscorable": 0}
    assert rows["none", "right"].task == "t.x" and rows["none", "right"].model == "z"


def test_per_condition_can_count_its_own_way_or_not_at_all_and_rename_the_attack():
    rows = _rows([per_condition(_shares, unscorable=len, attack="lira")])
    assert rows["lira", "right"].details["n_unscorable"] == 7
    rows = _rows([per_condition(_shares, unscorable=None)])
    assert rows["none", "right"].details == {"of": 6}
    assert rows["none", "right"].value == pytest.approx(4 / 6)


def test_per_condition_can_keep_each_estimates_own_unscorable_count():
    def own(scores):
        yield "right", Estimate(0.5, None, None, 2, n_unscorable=5), {}

    rows = _rows([per_condition(own, unscorable="estimate")])
    assert rows["none", "right"].details == {"n_unscorable": 5}
    rows = _rows([per_condition(own)])
    assert rows["none", "right"].details == {"n_unscorable": 1}
    with pytest.raises(ValueError, match="unscorable='own'"):
        per_condition(own, unscorable="own")


def test_a_breakdown_offers_overall_terms_and_group_labelled_terms_for_its_gap():
    from vlmtrust.metrics.paired import statistic

    breakdown = group_breakdown(rate("correct"), key="g")
    terms = breakdown.terms({"none": SCORES})
    overall = terms["none", "correct"]
    assert overall.kind == "binary" and set(overall.values) == {f"s{i}" for i in range(6)}
    gap, worst = terms["none", "correct_gap"], terms["none", "worst_group_correct"]
    assert (gap.statistic, worst.statistic) == ("range", "worst")
    assert gap.labels == {"s0": 0.0, "s1": 0.0, "s2": 0.0, "s3": 1.0, "s4": 1.0, "s5": 1.0}
    rows = _rows([breakdown])
    for made, row in (
        (gap, rows["none", "correct_gap"]),
        (worst, rows["none", "worst_group_correct"]),
    ):
        ids = sorted(made.values)
        values = np.array([[made.values[i] for i in ids]])
        found, _ = statistic(made.statistic)
        assert found(values, np.array([made.labels[i] for i in ids]))[0] == pytest.approx(row.value)
    # a group with no scorable score leaves the gap with no value: no terms either
    lost = Score(sample_id="s7", metric="correct", unscorable=True, reason="?", details={"g": "C"})
    empty = [*SCORES, lost]
    assert _rows([breakdown], {"none": empty})["none", "correct_gap"].value is None
    assert set(breakdown.terms({"none": empty})) == {("none", "correct")}
