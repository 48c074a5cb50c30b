"""A scan with mitigations attaches the paired before -> after test to every mitigated row whose
metric has per-sample terms (rates, means; pools for retrieval skew; a value and a label for
AUROC, FPR95 and ECE, tested by a paired bootstrap), Holm-adjusted across the variant's rows;
the report says which changes are real."""

from __future__ import annotations

import json

import pytest

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.metrics.paired import PairedTerms, statistic_terms
from vlmtrust.report.build import ReportFormat, build_report
from vlmtrust.runner import run
from vlmtrust.runner.paired import stored_terms
from vlmtrust.tasks.base import build_task

pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    out = tmp_path_factory.mktemp("paired") / "run"
    config = RunConfig(
        model="zoo:clip",
        tasks=(
            Spec(name="robustness.calibration"),
            Spec(name="robustness.ood"),
            Spec(name="fairness.retrieval_skew"),
        ),
        limit=48,
        mitigations=("temperature_scaling", "pbm"),
        out=out,
        show_progress=False,
    )
    run(config)
    markdown = build_report([out], ReportFormat.md)[0]
    return json.loads(build_report([out], ReportFormat.json)[0])["rows"], markdown


def test_temperature_scaling_and_pbm_rows_carry_paired_p_values(rows):
    found, _ = rows
    mitigated = [r for r in found if r["mitigation"] != "none"]
    assert {r["mitigation"] for r in mitigated} == {"temperature_scaling", "pbm"}
    for r in mitigated:
        paired = r["details"].get("paired")
        if r["value"] is None:
            assert paired is None, r["metric"]
            continue
        assert paired is not None, (r["mitigation"], r["metric"])
        assert 0 <= paired["p_value"] <= paired["p_holm"] <= 1
        assert paired["real"] == (paired["p_holm"] < 0.05)
        if r["metric"].startswith("accuracy"):
            assert paired["test"] == "McNemar exact" and paired["n_pairs"] == r["n"]
        if r["metric"].startswith(("ece", "auroc", "fpr95")):
            assert paired["test"] == "paired bootstrap" and paired["n_pairs"] == r["n"]
            assert "discordant" not in paired
        else:  # a percentile interval of a biased statistic (ECE) need not hold its point
            assert paired["ci_low"] <= paired["difference"] <= paired["ci_high"]


def test_a_statistic_row_pairs_the_same_samples_as_its_own_rows(rows):
    """The bootstrap's difference is the mitigated row's value minus the baseline's."""
    found, _ = rows
    by = {(r["task"], r["mitigation"], r["attack"], r["metric"]): r for r in found}
    checked = 0
    for (task, mitigation, attack, metric), r in by.items():
        if mitigation == "none" or not metric.startswith(("ece", "auroc", "fpr95")):
            continue
        before = by[task, "none", attack, metric]["value"]
        if r["value"] is None or before is None:
            continue
        assert r["details"]["paired"]["difference"] == pytest.approx(r["value"] - before)
        checked += 1
    assert checked == 2 + 2 * 4  # temperature_scaling: ECE in and out, AUROC and FPR95 x 4


def test_temperature_scaling_changes_confidence_not_predictions(rows):
    found, markdown = rows
    by = {(r["mitigation"], r["metric"]): r["details"].get("paired") for r in found}
    # one temperature keeps every argmax: no discordant pair, p = 1
    assert by["temperature_scaling", "accuracy_in"]["discordant"] == [0, 0]
    assert by["temperature_scaling", "accuracy_in"]["p_value"] == 1.0
    confidence = by["temperature_scaling", "confidence_in"]
    assert confidence["test"] == "sign-flip permutation" and confidence["difference"] != 0
    assert "### Mitigations: is the change real?" in markdown


def test_the_store_keeps_rate_and_mean_terms_but_not_a_statistics_value_and_label():
    auroc = statistic_terms("auroc", {"a": 0.9, "b": 0.1}, {"a": 0.0, "b": 1.0})
    terms = {(0, "none"): {("none", "auroc_msp"): auroc, ("none", "n"): PairedTerms("binary", {})}}
    stored = stored_terms(terms, {0: build_task(Spec(name="robustness.ood"))}, "zoo:clip")
    assert [s.key for s in stored] == [("robustness.ood", "none", "none", "n", "zoo:clip")]
