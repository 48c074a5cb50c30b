"""``vlmtrust report --format github``: the pull-request summary of two real runs (the
backdoored zoo:clip against its clean twin as the baseline) equals the golden file built from
them, lists the regressions the paired test finds and only those, and stays a Markdown comment
GitHub accepts. After a deliberate change of the format, rewrite the golden file with
``VLMTRUST_REGEN_GOLDEN=1 pytest tests/report/test_github.py`` and read its diff."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_run import run_cli

from vlmtrust.report.github import COMMENT_LIMIT, _fit

pytestmark = pytest.mark.timeout(900)
GOLDEN = Path(__file__).parent.parent / "golden" / "github_summary.md"
TASKS = ("--task", "robustness.backdoor_trigger", "--task", "robustness.zero_shot")
SCAN = (*TASKS, "--limit", "24", "--quiet")
GATES = (
    "--fail-on", "robustness.backdoor_trigger[attack=trigger].attack_success>0.1",
    "--fail-on", "robustness.zero_shot[attack=none].accuracy<baseline-0.05",
)  # fmt: skip


@pytest.fixture(scope="module")
def runs(tmp_path_factory, request) -> Path:
    """runs/clean (the baseline) and runs/new, under a folder the tests run from, so the
    summary names relative paths as a CI job would."""
    root = tmp_path_factory.mktemp("github")
    monkeypatch = pytest.MonkeyPatch()
    request.addfinalizer(monkeypatch.undo)
    monkeypatch.chdir(root)
    for model, out in (("zoo:clip-clean", "runs/clean"), ("zoo:clip", "runs/new")):
        assert run_cli("scan", "--model", model, *SCAN, "--out", out).code == 0
    return root


def summary(*extra: str) -> tuple[int, str]:
    result = run_cli(
        "report", "runs/new", "--format", "github", "--baseline", "runs/clean", *GATES, *extra
    )
    return result.code, result.stdout


def test_the_summary_of_a_regressed_run_equals_its_golden_file(runs):
    code, text = summary("--report-url", "https://ci.example/runs/1/artifacts")
    assert code == 1  # a gate failed: the report is written, then the exit code says so
    if os.environ.get("VLMTRUST_REGEN_GOLDEN") == "1":
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text()


def test_it_names_the_regressions_the_paired_test_finds_and_only_those(runs):
    _code, text = summary()
    table = text.split("### Regressions", 1)[1].split("###", 1)[0]
    listed = [line for line in table.splitlines() if line.startswith("| robustness.")]
    assert listed and all("| trigger |" in line for line in listed)
    # attack success rose, accuracy under the trigger fell: both the bad way
    assert any("`attack_success`" in line and "| +1.000 |" in line for line in listed)
    assert any("`accuracy`" in line and "| -1.000 |" in line for line in listed)
    assert "[Full report]" not in text  # no link unless one is given


def test_an_equal_run_has_no_regression_and_no_failed_gate(runs):
    result = run_cli(
        "report", "runs/clean", "--format", "github", "--baseline", "runs/clean", *GATES[2:]
    )
    assert result.code == 0
    assert "0 regression(s) against the baseline" in result.stdout
    assert "None: no shared row moved the bad way" in result.stdout


def test_without_a_baseline_it_has_gates_and_findings_only(runs):
    result = run_cli("report", "runs/new", "--format", "github", *GATES[:2])
    assert result.code == 1
    assert "### Gates (1)" in result.stdout and "Regressions" not in result.stdout


def test_a_summary_over_the_comment_limit_is_cut_at_a_line_and_says_so():
    text = "\n".join(f"line {i} " + "x" * 100 for i in range(1000))
    cut = _fit(text)
    assert len(cut) < COMMENT_LIMIT + 200 and cut.endswith("see the full report)\n")
    assert cut.split("\n\n(summary")[0] in text
