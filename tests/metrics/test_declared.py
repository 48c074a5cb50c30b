"""metrics/declared by hand: each declared metric's numbers, n and unscorable handling."""

from __future__ import annotations

import pytest

from vlmtrust.core.records import Score
from vlmtrust.metrics.declared import by_group, drop_from_clean, mean, metric_rows, rate
from vlmtrust.metrics.rates import difference, wilson
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
    assert (clean.value, clean.n, clean.details) == (0.75, 4, {"k": 1, "n_unscorable": 1})
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
