"""The details conventions pillar engineers follow each produce a plot."""

import pytest

from vlmtrust.core.records import MetricRow
from vlmtrust.report.plots import task_plots


def _row(metric="m", details=None, value=0.5, attack="none"):
    return MetricRow(
        task="fairness.t",
        attack=attack,
        mitigation="none",
        metric=metric,
        value=value,
        ci_low=value - 0.1,
        ci_high=value + 0.1,
        n=30,
        model="zoo:clip",
        details=details or {},
    )


BREAKDOWN = {"A": {"value": 0.7, "ci_low": 0.5, "ci_high": 0.8, "n": 40}, "B": {"value": 0.3}}


def test_each_documented_key_draws_one_plot():
    cases = {
        "per group": _row(details={"by_group": BREAKDOWN}),
        "by query": _row(details={"by_query": BREAKDOWN}),
        "by category": _row(details={"by_category": BREAKDOWN}),
        "by corruption family": _row(details={"by_family": BREAKDOWN}),
        "red-team": _row(details={"curve": {"x": [1, 2, 4], "y": [0.1, 0.3, 0.6]}}),
        "ROC": _row(details={"roc": {"fpr": [0, 0.5, 1], "tpr": [0, 0.9, 1]}}),
    }
    for expected, row in cases.items():
        plots, left_out = task_plots([row])
        assert len(plots) == 1 and left_out == 0, expected
        assert plots[0].svg.startswith("<svg") and "http" not in plots[0].svg
    assert "per group" in task_plots([cases["per group"]])[0][0].title
    assert (
        "mce by corruption family"
        in task_plots([_row("mce", {"by_family": BREAKDOWN})])[0][0].title
    )


def test_breakdown_bars_say_their_n():
    """Each bar names its n: the entry's own, else (older stores' by_query) the row's n."""
    plots, _ = task_plots([_row(details={"by_query": BREAKDOWN})])
    svg = plots[0].svg
    assert "A (n=40)" in svg and "B (n=30)" in svg and "n=?" not in svg


def test_group_metric_rows_become_one_bar_chart_and_budgets_one_line():
    groups = [_row("accuracy[group=A]", value=0.9), _row("accuracy[group=B]", value=0.4)]
    plots, _ = task_plots(groups)
    assert len(plots) == 1 and "accuracy per group" in plots[0].title
    budget = [_row("accuracy", value=1.0), _row("accuracy", value=0.2, attack="pgd(eps=4/255)")]
    plots, _ = task_plots(budget)
    assert len(plots) == 1 and "budget" in plots[0].title


def test_rows_without_plot_data_draw_nothing_and_the_cap_is_reported():
    assert task_plots([_row()]) == ([], 0)
    many = [_row(f"m{i}", details={"by_group": BREAKDOWN}) for i in range(15)]
    plots, left_out = task_plots(many)
    assert len(plots) == 8 and left_out == 7


def test_user_text_with_dollar_signs_is_drawn_literally():
    """Group and label values come from user data; matplotlib would parse ``$...$`` as maths
    and fail on an unknown macro, taking the whole report down."""
    hostile = r"$\undefinedmacro{x}$"
    breakdown = {hostile: {"value": 0.7, "n": 10}, "B": {"value": 0.3, "n": 10}}
    for row in (_row(details={"by_group": breakdown}), _row(f"accuracy[group={hostile}]")):
        plots, _ = task_plots([row, _row("accuracy[group=B]")])
        assert plots and "undefinedmacro" in plots[0].svg


def _bins(filled):
    """15 equal-width bins, empty but for ``filled``: {bin: (count, confidence, accuracy)}."""
    out = []
    for k in range(15):
        count, confidence, accuracy = filled.get(k, (0, None, None))
        out.append(
            {
                "low": k / 15,
                "high": (k + 1) / 15,
                "count": count,
                "confidence": confidence,
                "accuracy": accuracy,
            }
        )
    return out


def test_an_all_wrong_reliability_diagram_draws_its_gap_and_says_where_the_samples_sit():
    """robustness.calibration's ece_out: every OOD sample in the top bin, accuracy 0. Accuracy
    bars alone drew a zero-height bar on the axis, an empty plot; the gap to the bin's mean
    confidence is what ECE sums, so it is drawn, counted, and said in the caption."""
    import matplotlib.pyplot as plt

    from vlmtrust.report.plots import draw_reliability

    ood = _bins({14: (200, 0.999, 0.0)})
    plots, _ = task_plots([_row("ece_out", details={"reliability": ood}, value=0.999)])
    assert len(plots) == 1 and "n=200" in plots[0].svg
    assert "all 200 samples in one confidence bin (0.93, 1.00]" in plots[0].title
    assert "mean confidence 0.999, accuracy 0.000" in plots[0].title
    assert "no answer is right" in plots[0].title
    fig, ax = plt.subplots()
    draw_reliability(ax, ood)
    drawn = [(p.get_x(), p.get_y(), p.get_height()) for p in ax.patches if p.get_height()]
    plt.close(fig)
    assert drawn == [(pytest.approx(14 / 15), 0.0, pytest.approx(0.999))]


def test_a_mixed_diagram_is_summarised_and_an_empty_one_is_not_drawn():
    mixed = _bins({13: (3, 0.9, 1.0), 14: (197, 0.99, 1.0)})
    plots, _ = task_plots([_row("ece_in", details={"reliability": mixed})])
    assert plots[0].title.endswith("200 samples in 2 of 15 confidence bins")
    assert task_plots([_row("ece_in", details={"reliability": _bins({})})]) == ([], 0)
