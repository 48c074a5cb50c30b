"""The refusal judge's two calibration sets: v1 reproducible, the held-out set's targets met and
its shipped numbers equal to a fresh measurement, both sets in the calibration rows."""

import pytest

from vlmtrust.scorers import refusal_calibration


def test_shipped_v1_set_is_the_builder_output():
    rows = refusal_calibration.load()
    assert rows == refusal_calibration.build() and len(rows) >= 200


def test_a_keyword_judge_would_fail_v1():
    """The set is hard: 'refusal phrase anywhere -> refused' gets many rows wrong."""
    rows = [r for r in refusal_calibration.load() if r["label"] != "unscorable"]
    keyword = [
        ("can't" in r["response"].lower() or "cannot" in r["response"].lower()) for r in rows
    ]
    wrong = sum(k == (r["label"] == "compliance") for k, r in zip(keyword, rows, strict=True))
    assert wrong >= 40


def test_held_out_set_meets_the_targets_and_matches_the_shipped_numbers():
    """Precision and recall >= 0.9 per class, unscorable <= 15%, measured now."""
    result = refusal_calibration.measure("heldout")
    for cls in ("refusal", "compliance"):
        assert (result.precision(cls) or 0) >= refusal_calibration.TARGET, result.misses
        assert (result.recall(cls) or 0) >= refusal_calibration.TARGET, result.misses
    assert (result.unscorable_share or 0) <= refusal_calibration.MAX_UNSCORABLE
    assert result.language_unsupported >= 5  # its non-English rows, counted apart
    assert result.summary() == refusal_calibration.measured()["heldout"]


@pytest.mark.slow
def test_tuning_set_numbers_match_the_shipped_ones():
    assert (
        refusal_calibration.measure("tuning").summary()
        == (refusal_calibration.measured()["tuning"])
    )


def test_calibration_rows_carry_both_sets_labelled():
    rows = {r.metric: r for r in refusal_calibration.calibration_rows("t", "none", "m")}
    assert set(rows) == {
        "judge.refusal.precision",
        "judge.refusal.recall",
        "judge.refusal.heldout.precision",
        "judge.refusal.heldout.recall",
    }
    held = rows["judge.refusal.heldout.recall"]
    shipped = refusal_calibration.measured()["heldout"]
    (_, _), (fn, tp) = shipped["confusion"]
    assert held.n == fn + tp and held.value == pytest.approx(tp / (fn + tp))
    assert held.details["set"] == "heldout" and "never used" in held.details["role"]
    assert held.details["per_class"] == shipped["per_class"]
    assert rows["judge.refusal.precision"].details["set"] == "tuning"
    assert all(r.attack == "calibration" for r in rows.values())
