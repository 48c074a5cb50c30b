"""The federated entry of the Private computation section, from stored rows only: the baseline
first, a centralised variant named as such, who sees what from the setting, missing cells shown
as missing, text escaped in HTML, and no table without ``privacy.federated`` rows."""

import json

import jsonschema

from vlmtrust.core.records import MetricRow
from vlmtrust.metrics.rates import Estimate, wilson
from vlmtrust.report.build import ReportFormat, build_report
from vlmtrust.report.text import report_schema
from vlmtrust.store import ResultStore

MODEL = "zoo:clip"
TASK = "privacy.federated"
FED = "federated(clients=5,partition=dirichlet:0.3,secure_aggregation=true)"
CENTRAL = "federated(clients=1)"


def _row(mitigation, metric, estimate, attack="none", **details) -> MetricRow:
    return estimate.as_row(
        task=TASK, attack=attack, mitigation=mitigation, metric=metric, model=MODEL,
        details=details,
    )  # fmt: skip


def _rate(k, n):
    return Estimate(k / n, *wilson(k, n), n)


def _variant(mitigation, protocol, k, setting, bytes_round=None):
    rows = [_row(mitigation, "accuracy", _rate(k, 256), protocol=protocol)]
    if setting:
        rows.append(_row(mitigation, "client_accuracy_worst", _rate(20, 40), **setting))
        rows.append(_row(mitigation, "bytes_per_round", Estimate(bytes_round, None, None, 10)))
        rows.append(_row(mitigation, "bytes_total", Estimate(bytes_round * 10, None, None, 10)))
    return rows


SETTING = {"clients": 5, "rounds": 10, "partition": "dirichlet:0.3", "strategy": "fedavg"}
ROWS = [
    *_variant("none", "plaintext", 150, {}),
    *_variant(FED, "federated", 200, {**SETTING, "secure_aggregation": True}, 1_234_567.0),
    _row(FED, "epsilon", Estimate(7.5, None, None, 1), delta=1e-5),
    _row(FED, "psnr_gain_prior", Estimate(9.0, 8.0, 10.0, 4), attack="gradient_inversion"),
    _row(FED, "psnr_gain_prior_dp", Estimate(0.5, -0.5, 1.5, 4), attack="gradient_inversion"),
    *_variant(CENTRAL, "centralised", 210, {**SETTING, "clients": 1}, 50_000.0),
    Estimate(0.9, 0.8, 0.95, 12).as_row(
        task="robustness.zero_shot",
        attack="none",
        mitigation="none",
        metric="accuracy",
        model=MODEL,
        details={},
    ),
]


def _store(tmp_path, rows):
    run = tmp_path / "run"
    with ResultStore.in_dir(run) as store:
        store.start_run("r", {"model": {"spec": MODEL, "name": MODEL, "fingerprint": "0"}})
        store.replace_metrics(rows)
        store.finish_run("r", "complete", {})
    return run


def test_json_has_the_baseline_first_and_each_variants_trust_model(tmp_path):
    doc = json.loads(build_report([_store(tmp_path, ROWS)], ReportFormat.json)[0])
    jsonschema.Draft202012Validator(report_schema()).validate(doc)
    (table,) = doc["private_federated"]
    assert [r["mitigation"] for r in table["rows"]] == ["none", CENTRAL, FED]
    none, central, fed = table["rows"]
    assert [none["protocol"], fed["protocol"], central["protocol"]] == [
        "plaintext", "federated", "centralised",
    ]  # fmt: skip
    assert fed["cells"]["accuracy"]["ci_low"] == wilson(200, 256)[0]
    assert fed["cells"]["psnr_gain_prior_dp"]["ci_high"] == 1.5
    assert "sum of the clients' updates" in fed["who_sees_what"]
    assert "noised" in fed["who_sees_what"] and "noised" not in central["who_sees_what"]
    assert "every client's rows" in central["who_sees_what"]
    assert none["cells"]["bytes_total"] is None and central["cells"]["epsilon"] is None
    assert fed["setting"]["partition"] == "dirichlet:0.3"


def test_markdown_and_html_show_n_and_intervals(tmp_path):
    run = _store(tmp_path, ROWS)
    md = build_report([run], ReportFormat.md)[0]
    line = next(x for x in md.splitlines() if x.startswith(f"| {FED} |"))
    low, high = wilson(200, 256)
    assert f"0.781 [{low:.3g}, {high:.3g}] n=256" in line
    assert "1,234,567 n=10" in line and "7.5 n=1" in line and "secure aggregation" in line
    central = next(x for x in md.splitlines() if x.startswith(f"| {CENTRAL} |"))
    assert "| - |" in central  # no epsilon, no inversion: shown as missing
    page = build_report([run], ReportFormat.html)[0]
    section = page[page.index('id="private-federated"') :]
    assert "1,234,567 n=10" in section and "dirichlet:0.3" in section
    assert "the server sees only the sum of the clients&#x27; updates" in section


def test_no_federated_rows_no_table(tmp_path):
    run = _store(tmp_path, [r for r in ROWS if r.task != TASK])
    doc = json.loads(build_report([run], ReportFormat.json)[0])
    assert "private_federated" not in doc
    assert "federated fine-tuning" not in build_report([run], ReportFormat.md)[0]
    assert 'id="private-federated"' not in build_report([run], ReportFormat.html)[0]
