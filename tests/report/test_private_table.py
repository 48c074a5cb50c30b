"""The private computation table: each protocol beside the plaintext split, from stored rows
only, the same in JSON, Markdown and HTML, and valid against the shipped schema."""

import json

import jsonschema

from vlmtrust.core.records import MetricRow
from vlmtrust.metrics.rates import Estimate, wilson
from vlmtrust.report.build import ReportFormat, build_report
from vlmtrust.report.text import report_schema
from vlmtrust.store import ResultStore

MODEL = "zoo:clip"
TASK = "privacy.private_inference"


def _rate(task: str, mitigation: str, metric: str, k: int, n: int, **details) -> MetricRow:
    low, high = wilson(k, n)
    return Estimate(k / n, low, high, n).as_row(
        task=task, attack="none", mitigation=mitigation, metric=metric, model=MODEL,
        details=details,
    )  # fmt: skip


def _mean(mitigation: str, metric: str, value: float, protocol: str) -> MetricRow:
    return Estimate(value, value * 0.9, value * 1.1, 12).as_row(
        task=TASK, attack="none", mitigation=mitigation, metric=metric, model=MODEL,
        details={"protocol": protocol},
    )  # fmt: skip


def _protocol_rows(mitigation: str, protocol: str, seconds: float, size: float) -> list[MetricRow]:
    return [
        _rate(TASK, mitigation, "argmax_agreement", 12, 12, protocol=protocol),
        _mean(
            mitigation, "logit_abs_error_max", 2e-5 if protocol != "plaintext" else 0.0, protocol
        ),
        _mean(mitigation, "seconds_per_image", seconds, protocol),
        _mean(mitigation, "bytes_per_image", size, protocol),
        _rate("robustness.zero_shot", mitigation, "accuracy", 11, 12),
    ]


ROWS = [
    *_protocol_rows("none", "plaintext", 0.001, 1568.0),
    *_protocol_rows("he_inference", "he_inference", 0.1, 527861.0),
    *_protocol_rows("mpc_inference", "mpc_inference", 0.01, 282687.0),
    _rate("robustness.zero_shot", "pbm", "accuracy", 10, 12),  # not a private protocol
    _rate("privacy.membership", "none", "accuracy", 6, 12),  # another task
]


def _store(tmp_path, rows):
    run = tmp_path / "run"
    with ResultStore.in_dir(run) as store:
        store.start_run("r", {"model": {"spec": MODEL, "name": MODEL, "fingerprint": "0"}})
        store.replace_metrics(rows)
        store.finish_run("r", "complete", {})
    return run


def test_json_holds_each_protocol_beside_the_baseline_with_cost_ratios(tmp_path):
    doc = json.loads(build_report([_store(tmp_path, ROWS)], ReportFormat.json)[0])
    jsonschema.Draft202012Validator(report_schema()).validate(doc)
    (table,) = doc["private_computation"]
    assert table["model"] == MODEL
    rows = {r["mitigation"]: r for r in table["rows"]}
    assert list(rows) == ["none", "he_inference", "mpc_inference"]  # pbm ran no protocol
    he = rows["he_inference"]
    assert he["protocol"] == "he_inference" and "ciphertext" in he["who_sees_what"]
    assert he["cells"]["zero_shot_accuracy"]["ci_low"] == wilson(11, 12)[0]
    assert he["cells"]["argmax_agreement"]["n"] == 12
    assert abs(he["cost_ratio"]["bytes_per_image"] - 527861 / 1568) < 1e-9
    assert abs(rows["mpc_inference"]["cost_ratio"]["seconds_per_image"] - 10) < 1e-9
    assert rows["none"]["protocol"] == "plaintext"
    assert rows["none"]["cost_ratio"]["seconds_per_image"] == 1


def test_markdown_and_html_show_the_same_cells(tmp_path):
    run = _store(tmp_path, ROWS)
    md = build_report([run], ReportFormat.md)[0]
    line = next(x for x in md.splitlines() if x.startswith("| he_inference |"))
    assert "527,861" in line and "336.6" in line and "n=12" in line
    page = build_report([run], ReportFormat.html)[0]
    assert 'id="private-computation"' in page and "527,861" in page and "336.6" in page
    assert page.index('id="private-computation"') > page.index('id="pillar-privacy"')


def test_a_missing_cell_is_shown_as_missing_not_guessed(tmp_path):
    rows = [r for r in ROWS if not (r.mitigation == "none" and r.metric == "bytes_per_image")]
    doc = json.loads(build_report([_store(tmp_path, rows)], ReportFormat.json)[0])
    he = next(r for r in doc["private_computation"][0]["rows"] if r["mitigation"] == "he_inference")
    assert he["cost_ratio"]["bytes_per_image"] is None
    none = doc["private_computation"][0]["rows"][0]
    assert none["cells"]["bytes_per_image"] is None


def test_no_private_rows_no_table(tmp_path):
    run = _store(tmp_path, [r for r in ROWS if r.task != TASK])
    doc = json.loads(build_report([run], ReportFormat.json)[0])
    assert "private_computation" not in doc
    assert "Private computation" not in build_report([run], ReportFormat.md)[0]
    assert 'id="private-computation"' not in build_report([run], ReportFormat.html)[0]
