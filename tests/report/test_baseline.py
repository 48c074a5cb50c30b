"""Baseline gates with two real runs: a run that regressed (the backdoored zoo:clip against the
clean twin it should match) exits 1, an equal re-run exits 0, both judged with the paired test on
the samples both runs scored; the JUnit names the test; without --baseline a baseline gate is a
user error."""

from __future__ import annotations

import pytest
from cli_run import run_cli

from vlmtrust.report.gates import parse_gate

pytestmark = pytest.mark.timeout(900)
TASK = ("--task", "robustness.backdoor_trigger", "--limit", "24", "--quiet")
GATE = "robustness.backdoor_trigger[attack=trigger].attack_success>baseline+0.02"


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    out = tmp_path_factory.mktemp("baseline") / "clean"
    assert run_cli("scan", "--model", "zoo:clip-clean", *TASK, "--out", str(out)).code == 0
    return out


def test_a_regressed_run_fails_its_baseline_gate_by_the_paired_test(baseline, tmp_path):
    result = run_cli(
        "scan", "--model", "zoo:clip", *TASK, "--out", str(tmp_path / "run"),
        "--baseline", str(baseline), "--fail-on", GATE,
    )  # fmt: skip
    assert result.code == 1, result.stderr
    assert "gate fail" in result.stderr and "[attack=trigger]" in result.stderr
    assert "paired McNemar exact vs baseline: +1.000" in result.stderr
    junit = run_cli(
        "report", str(tmp_path / "run"), "--format", "junit",
        "--baseline", str(baseline), "--fail-on", GATE,
    )  # fmt: skip
    assert junit.code == 1 and "paired McNemar exact" in junit.stdout


def test_an_equal_run_passes_it(baseline, tmp_path):
    result = run_cli(
        "scan", "--model", "zoo:clip-clean", *TASK, "--out", str(tmp_path / "again"),
        "--baseline", str(baseline), "--fail-on", GATE,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert "gate pass" in result.stderr and "+0.000 [+0.000, +0.000], p=1" in result.stderr


def test_a_baseline_gate_needs_a_baseline_and_a_real_one(baseline, tmp_path):
    missing = run_cli("report", str(baseline), "--fail-on", GATE)
    assert missing.code == 2 and "pass --baseline RUN_DIR" in missing.stderr
    nowhere = run_cli(
        "scan", "--model", "zoo:clip", *TASK, "--out", str(tmp_path / "x"),
        "--baseline", str(tmp_path / "nowhere"), "--fail-on", GATE,
    )  # fmt: skip
    assert nowhere.code == 2 and not (tmp_path / "x").exists()  # refused before any scan


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("t.x.asr>baseline", 0.0),
        ("t.x.asr > baseline + 0.02", 0.02),
        ("t.x.acc<baseline-0.05", -0.05),
    ],
)
def test_baseline_thresholds_parse_to_their_margin(text, offset):
    gate = parse_gate(text)
    assert gate.baseline_offset == pytest.approx(offset) and gate.threshold == pytest.approx(offset)
