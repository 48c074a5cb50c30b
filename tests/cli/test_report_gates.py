"""CI gates from the command line: exit 1 and a failed JUnit case when violated, exit 0 when
met, exit 2 with nothing written when a gate matches no row."""

import shutil
import xml.etree.ElementTree as ET

from typer.testing import CliRunner

from vlmtrust.cli.main import app

runner = CliRunner()


def test_violated_gate_exits_1_and_is_a_failed_junit_case(zoo_scan, tmp_path):
    junit = tmp_path / "gates.xml"
    result = runner.invoke(
        app,
        [
            "report",
            str(zoo_scan),
            "--format",
            "junit",
            "--out",
            str(junit),
            "--fail-on",
            "robustness.ood.auroc_msp<0.5",
            "--fail-on",
            "robustness.calibration.ece_in>0.5",
        ],
    )
    assert result.exit_code == 1, result.output
    cases = ET.parse(junit).getroot().findall(".//testcase")
    assert [c.get("name") for c in cases] == [
        "robustness.ood.auroc_msp<0.5",
        "robustness.calibration.ece_in>0.5",
    ]
    assert cases[0].find("failure") is not None and cases[1].find("failure") is None
    assert "gate fail robustness.ood.auroc_msp<0.5" in result.stderr


def test_met_gate_exits_0_and_html_from_the_suffix(zoo_scan, tmp_path):
    out = tmp_path / "report.html"
    result = runner.invoke(
        app,
        [
            "report",
            str(zoo_scan),
            "--out",
            str(out),
            "--fail-on",
            "robustness.calibration.ece_in>0.5",
            "--gate-bound",
            "point",
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_gate_matching_no_row_is_exit_2_and_writes_nothing(zoo_scan, tmp_path):
    out = tmp_path / "report.html"
    result = runner.invoke(
        app, ["report", str(zoo_scan), "--out", str(out), "--fail-on", "robustness.ood.aurok<0.5"]
    )
    assert result.exit_code == 2 and "matches no metric row" in result.stderr
    assert not out.exists()


def test_scan_takes_gates_too(zoo_scan, tmp_path):
    out = tmp_path / "scan"
    shutil.copytree(zoo_scan, out)  # reuses every stored result, leaves the shared scan alone
    args = [
        "scan",
        "--model",
        "zoo:clip",
        "--out",
        str(out),
        "--quiet",
        "--limit",
        "12",
        "--task",
        "robustness.ood",
    ]
    violated = runner.invoke(app, [*args, "--fail-on", "robustness.ood.auroc_msp<0.5"])
    assert violated.exit_code == 1, violated.output
    met = runner.invoke(app, [*args, "--fail-on", "robustness.ood.auroc_msp>0.9"])
    assert met.exit_code == 0, met.output


def test_a_gate_with_a_bad_threshold_is_one_line_before_anything_runs(zoo_scan, tmp_path):
    gate = "robustness.zero_shot.accuracy<0.1.2"
    out = tmp_path / "scan"
    args = ["--model", "zoo:clip", "--task", "robustness.zero_shot", "--limit", "3", "--quiet"]
    scan = runner.invoke(app, ["scan", *args, "--out", str(out), "--fail-on", gate])
    assert scan.exit_code == 2, scan.output
    assert scan.stderr.count("\n") == 1 and "'0.1.2' that is not a number" in scan.stderr
    assert not out.exists()
    report = tmp_path / "report.md"
    result = runner.invoke(app, ["report", str(zoo_scan), "--out", str(report), "--fail-on", gate])
    assert result.exit_code == 2 and result.stderr.startswith("error: gate ")
    assert not report.exists()
