"""The summary cards' headline per task: one value or range per model, never one range that
mixes models."""

from vlmtrust.core.records import MetricRow
from vlmtrust.report.markup import metric_name
from vlmtrust.report.summary import cards, headline


def _row(model, attack, value, mitigation="none"):
    return MetricRow(
        task="safety.jailbreak",
        attack=attack,
        mitigation=mitigation,
        metric="asr",
        value=value,
        ci_low=None,
        ci_high=None,
        n=50,
        model=model,
    )


def test_one_model_shows_one_range_over_its_conditions():
    rows = [_row("zoo:assistant", "figstep", 1.0), _row("zoo:assistant", "text_only", 0.0)]
    line = headline("safety.jailbreak", rows, "asr")
    assert (
        f'safety.jailbreak</a>: {metric_name("asr")} 0.000 to 1.000 <span class="muted">over 2'
        in line
    )


def test_two_models_show_one_range_each():
    rows = [
        _row("zoo:assistant", "figstep", 1.0),
        _row("zoo:assistant", "text_only", 0.0),
        _row("zoo:sanitized", "figstep", 0.2),
        _row("zoo:sanitized", "text_only", 0.1),
        _row("zoo:sanitized", "figstep", 0.05, mitigation="output_guard"),  # not a headline
    ]
    line = headline("safety.jailbreak", rows, "asr")
    assert "0.000 to 1.000" in line and "0.100 to 0.200" in line
    assert "0.000 to 0.200" not in line and "0.050" not in line  # no range across models
    assert line.index("zoo:assistant") < line.index("0.000 to 1.000") < line.index("zoo:sanitized")
    assert line.count("over 2 condition(s)") == 2


def test_every_card_of_a_pillar_that_ran_names_the_data_set():
    rows = [_row("zoo:assistant", "figstep", 1.0)]
    by_pillar = {"safety": ["safety.jailbreak"], "privacy": []}
    html = cards(by_pillar, rows, [], {"safety.jailbreak": "asr"}, ["figstep_safebench, 500 rows"])
    safety, privacy = html.split('id="card-')[1:]
    assert '<p class="muted data">data: figstep_safebench, 500 rows</p>' in safety
    assert "data:" not in privacy  # nothing ran there, so no data set to name
