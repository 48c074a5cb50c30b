"""``privacy.federated``: a real scan of zoo:clip with a federated variant (client DP)
stores the trainer's numbers as rows (held-out accuracy paired with the baseline's, accuracy per
round, bytes, per-client accuracy, epsilon, the inversion of one client's update), and the
report's Private computation section shows them with n and intervals; a variant trained on
other scenes is one line and exit 2."""

import json

import jsonschema
import pytest
from cli_run import run_cli

from vlmtrust.metrics.rates import wilson
from vlmtrust.report.build import ReportFormat, build_report
from vlmtrust.report.text import report_schema
from vlmtrust.store import ResultStore

CHEAP = "rounds=2,samples=32,held_out=16"
FEDERATED = f"federated:clients=2,{CHEAP},partition=dirichlet:0.5,dp_epsilon=8"


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    out = tmp_path_factory.mktemp("fed") / "run"
    result = run_cli(
        "scan", "--model", "zoo:clip",
        "--task", "privacy.federated:held_out=16,inversion_images=1,inversion_steps=3",
        "--mitigate", FEDERATED, "--out", str(out),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    with ResultStore.open_existing(out) as store:
        rows = {(r.mitigation, r.attack, r.metric): r for r in store.metrics()}
    return out, rows


def _variant(rows, start):
    (label,) = {m for m, *_ in rows if m.startswith(start)}
    return label


def test_the_store_holds_the_cards_numbers_with_n_and_intervals(scanned):
    _, rows = scanned
    fed = _variant(rows, "federated(clients=2")
    base = rows["none", "none", "accuracy"]
    assert base.n == 16 and base.details["protocol"] == "plaintext"
    # every variant scored on the same 16 scenes as the trainer's rounds were
    assert rows[fed, "none", "accuracy.round.0"].value == base.value
    final = rows[fed, "none", "accuracy"]
    assert final.value == rows[fed, "none", "accuracy.round.2"].value
    assert (final.ci_low, final.ci_high) == wilson(round(final.value * 16), 16)
    assert final.details["protocol"] == "federated"
    per_round = [rows[fed, "none", f"bytes.round.{r}"].value for r in (1, 2)]
    assert all(v > 0 for v in per_round)
    assert rows[fed, "none", "bytes_total"].value == sum(per_round)
    assert rows[fed, "none", "bytes_per_round"].n == 2
    clients = [rows[fed, "none", f"client_accuracy.client.{c}"] for c in (0, 1)]
    assert sum(c.n for c in clients) == 32  # n: each client's own rows
    assert rows[fed, "none", "client_accuracy_worst"].value == min(c.value for c in clients)
    assert 0 < rows[fed, "none", "epsilon"].value <= 8
    assert ("none", "none", "epsilon") not in rows
    for metric in ("psnr_gain_prior", "psnr_gain_prior_dp", "feature_recovery_error_dp"):
        leak = rows[fed, "gradient_inversion", metric]
        assert leak.n == 1 and leak.value is not None
    assert rows[fed, "none", "accuracy.round.1"].details["partition"] == "dirichlet:0.5"


def test_the_report_shows_a_federated_entry_beside_the_baseline(scanned):
    out, rows = scanned
    fed = _variant(rows, "federated(clients=2")
    doc = json.loads(build_report([out], ReportFormat.json)[0])
    jsonschema.Draft202012Validator(report_schema()).validate(doc)
    (table,) = doc["private_federated"]
    by = {r["mitigation"]: r for r in table["rows"]}
    assert table["rows"][0]["mitigation"] == "none"
    assert {m: r["protocol"] for m, r in by.items()} == {"none": "plaintext", fed: "federated"}
    assert by[fed]["cells"]["epsilon"]["value"] == rows[fed, "none", "epsilon"].value
    assert by[fed]["cells"]["accuracy"]["n"] == 16 and by["none"]["cells"]["bytes_total"] is None
    assert "clipped and noised" in by[fed]["who_sees_what"]
    md = build_report([out], ReportFormat.md)[0]
    line = next(x for x in md.splitlines() if x.startswith(f"| {fed} |"))
    total = rows[fed, "none", "bytes_total"].value
    assert f"{total:,.0f} n=2" in line and "n=16" in line and "clients=2" in line
    page = build_report([out], ReportFormat.html)[0]
    section = page[page.index('id="private-federated"') :]
    assert f"{total:,.0f} n=2" in section and "worst client" in section
    assert page.index('id="private-federated"') > page.index('id="pillar-privacy"')


def test_a_variant_trained_on_other_scenes_is_one_line(tmp_path):
    result = run_cli(
        "scan", "--model", "zoo:clip", "--task", "privacy.federated:held_out=8",
        "--mitigate", f"federated:clients=1,{CHEAP}", "--out", str(tmp_path / "r"),
    )  # fmt: skip
    assert result.code == 2 and "held_out=16" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_same_scan_runs_on_a_tiny_hf_clip(tmp_path, tiny_clip):
    out = tmp_path / "run"
    result = run_cli(
        "scan", "--model", f"hf:{tiny_clip}", "--task", "privacy.federated:held_out=16",
        "--mitigate", f"federated:clients=2,{CHEAP}", "--out", str(out),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    doc = json.loads(build_report([out], ReportFormat.json)[0])
    (table,) = doc["private_federated"]
    base, fed = table["rows"]
    assert base["cells"]["accuracy"]["n"] == fed["cells"]["accuracy"]["n"] == 16
    assert fed["protocol"] == "federated" and fed["cells"]["bytes_total"]["value"] > 0
