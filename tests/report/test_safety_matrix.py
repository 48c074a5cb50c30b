"""The attack x defence matrix: built from the rows a store holds, the same in JSON, Markdown
and HTML, and valid against the shipped schema."""

import json

import jsonschema

from vlmtrust.core.records import MetricRow
from vlmtrust.metrics.rates import Estimate, wilson
from vlmtrust.report.build import ReportFormat, build_report
from vlmtrust.report.text import report_schema
from vlmtrust.store import ResultStore

MODEL = "zoo:assistant"


def _row(task: str, attack: str, mitigation: str, metric: str, k: int, n: int) -> MetricRow:
    low, high = wilson(k, n)
    return Estimate(k / n, low, high, n).as_row(
        task=task,
        attack=attack,
        mitigation=mitigation,
        metric=metric,
        model=MODEL,
        details={"n_unscorable": 1},
    )


def _store(tmp_path, rows):
    run = tmp_path / "run"
    with ResultStore.in_dir(run) as store:
        store.start_run("r", {"model": {"spec": MODEL, "name": MODEL, "fingerprint": "0"}})
        store.replace_metrics(rows)
        store.finish_run("r", "complete", {})
    return run


ROWS = [
    _row("safety.jailbreak", "text_only", "none", "asr", 0, 20),
    _row("safety.jailbreak", "figstep", "none", "asr", 20, 20),
    _row("safety.jailbreak", "figstep", "guard", "asr", 1, 20),
    _row("safety.jailbreak", "figstep", "guard", "asr_gap", 1, 20),  # not a matrix cell
    _row("safety.red_team", "none", "guard", "broken_rate", 19, 20),
    _row("safety.over_refusal", "figstep", "guard", "refusal_rate", 1, 10),
    _row("safety.over_refusal", "text_only", "none", "refusal_rate", 0, 10),
    _row("robustness.vqa", "none", "none", "accuracy", 30, 30),
    _row("robustness.vqa", "blur", "none", "accuracy", 3, 30),  # corrupted: not clean VQA
]


def test_matrix_json_holds_every_attack_against_every_mitigation(tmp_path):
    run = _store(tmp_path, ROWS)
    doc = json.loads(build_report([run], ReportFormat.json)[0])
    jsonschema.Draft202012Validator(report_schema()).validate(doc)
    (matrix,) = doc["safety_matrix"]
    assert matrix["model"] == MODEL
    assert matrix["attacks"] == ["text_only", "figstep", "red_team"]
    assert matrix["mitigations"] == ["none", "guard"]
    none, guard = matrix["rows"]
    assert guard["attack_success"]["figstep"]["value"] == 0.05
    assert guard["attack_success"]["figstep"]["n"] == 20
    assert guard["attack_success"]["figstep"]["ci_low"] == wilson(1, 20)[0]
    assert guard["attack_success"]["text_only"] is None  # not scanned: shown as missing
    assert guard["attack_success"]["red_team"]["value"] == 0.95
    assert none["attack_success"]["red_team"] is None
    assert guard["tradeoffs"]["over_refusal_typographic"]["value"] == 0.1
    assert none["tradeoffs"]["vqa_accuracy"]["value"] == 1.0
    assert guard["tradeoffs"]["vqa_accuracy"] is None


def test_markdown_and_html_show_the_same_cells(tmp_path):
    run = _store(tmp_path, ROWS)
    md = build_report([run], ReportFormat.md)[0]
    line = next(x for x in md.splitlines() if x.startswith("| guard |"))
    lo, hi = wilson(1, 20)
    assert f"0.050 [{lo:.3f}, {hi:.3f}] n=20" in line and "0.950" in line
    page = build_report([run], ReportFormat.html)[0]
    assert 'id="safety-matrix"' in page and f"0.050 [{lo:.3f}, {hi:.3f}] n=20" in page
    assert page.index('id="safety-matrix"') > page.index('id="pillar-safety"')


def test_no_safety_rows_no_matrix(tmp_path):
    run = _store(tmp_path, [r for r in ROWS if r.task == "robustness.vqa"])
    doc = json.loads(build_report([run], ReportFormat.json)[0])
    assert "safety_matrix" not in doc
    assert "attack x defence" not in build_report([run], ReportFormat.md)[0]


def test_each_column_carries_the_explanation_of_the_metric_it_shows(tmp_path):
    from vlmtrust.report.glossary import explain
    from vlmtrust.report.markup import metric_name
    from vlmtrust.report.safety_matrix import matrix_metrics, matrix_table, safety_matrices

    (matrix,) = safety_matrices(ROWS)
    head, _ = matrix_table(matrix)
    assert dict(zip(head, matrix_metrics(matrix), strict=True)) == {
        "mitigation": None,
        "ASR text_only": "asr",
        "ASR figstep": "asr",
        "ASR red_team": "broken_rate",
        "over-refusal (text twins)": "refusal_rate",
        "over-refusal (typographic twins)": "refusal_rate",
        "over-refusal (worst identity group)": "refusal_rate",
        "clean VQA accuracy": "accuracy",
    }
    run = _store(tmp_path, ROWS)
    page = build_report([run], ReportFormat.html)[0]
    assert f"<th>{metric_name('broken_rate', shown='ASR red_team')}</th>" in page
    md = build_report([run], ReportFormat.md)[0]
    section = md.split("## Safety: attack x defence", 1)[1]
    for metric in ("asr", "broken_rate", "refusal_rate", "accuracy"):
        entry = explain(metric)
        assert entry is not None and f"- `{metric}`: {entry.line()}" in section


def _campaign(method: str, mitigation: str, k: int, n: int) -> MetricRow:
    row = _row("safety.multi_turn", "none", mitigation, "success_rate", k, n)
    return row.model_copy(update={"details": {**row.details, "method": method}})


def test_multi_turn_campaigns_and_the_worst_identity_group_join_the_matrix(tmp_path):
    rows = [
        *ROWS,
        _campaign("crescendo", "none", 9, 10),
        _campaign("crescendo", "guard", 2, 10),
        _row("safety.rl_red_team", "none", "guard", "broken_rate", 20, 20),
        _row("safety.over_refusal", "text_only", "guard", "refusal_rate.group.none", 0, 6),
        _row("safety.over_refusal", "text_only", "guard", "refusal_rate.group.muslim", 2, 6),
        _row("safety.over_refusal", "text_only", "guard", "refusal_rate.group.jewish", 1, 6),
        _row("safety.over_refusal", "figstep", "guard", "refusal_rate.group.gay", 6, 6),
    ]
    run = _store(tmp_path, rows)
    doc = json.loads(build_report([run], ReportFormat.json)[0])
    jsonschema.Draft202012Validator(report_schema()).validate(doc)
    (matrix,) = doc["safety_matrix"]
    assert matrix["attacks"] == [
        "text_only",
        "figstep",
        "red_team",
        "rl_red_team",
        "multi_turn.crescendo",
    ]
    none, guard = matrix["rows"]
    assert none["attack_success"]["multi_turn.crescendo"]["value"] == 0.9
    assert guard["attack_success"]["multi_turn.crescendo"]["value"] == 0.2
    assert guard["attack_success"]["rl_red_team"]["value"] == 1.0
    worst = guard["tradeoffs"]["over_refusal_identity_worst"]
    assert worst["value"] == 2 / 6 and worst["n"] == 6  # muslim; figstep rows are not text
    assert none["tradeoffs"]["over_refusal_identity_worst"] is None
    md = build_report([run], ReportFormat.md)[0]
    line = next(x for x in md.splitlines() if x.startswith("| guard |"))
    assert "(muslim)" in line


def test_two_campaign_methods_of_one_run_are_two_columns(tmp_path):
    """A scan that runs safety.multi_turn twice names each run by its method (the store keeps
    both rows); the matrix reads both."""
    pair = _campaign("pair", "none", 1, 10)
    crescendo = _campaign("crescendo", "none", 7, 10)
    rows = [
        *ROWS,
        pair.model_copy(update={"task": 'safety.multi_turn(method="pair")'}),
        crescendo.model_copy(update={"task": 'safety.multi_turn(method="crescendo")'}),
    ]
    doc = json.loads(build_report([_store(tmp_path, rows)], ReportFormat.json)[0])
    (matrix,) = doc["safety_matrix"]
    none = matrix["rows"][0]
    assert none["attack_success"]["multi_turn.pair"]["value"] == 0.1
    assert none["attack_success"]["multi_turn.crescendo"]["value"] == 0.7
