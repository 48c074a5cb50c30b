"""`make demo` end to end at a small sample count: every pillar scanned, a mitigation beside
each baseline, one HTML report whose path is printed, and every metric row as it was before the
architecture refactor (tests/golden)."""

import json

from golden_rows import assert_rows_match_golden
from typer.testing import CliRunner

from vlmtrust.cli.main import app


def test_demo_scans_every_pillar_and_writes_the_html_report(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--limit", "12"])
    assert result.exit_code == 0, result.output
    report = out / "report.html"
    assert f"report written to {report}" in result.stdout
    html = report.read_text()
    for task in ("fairness.retrieval_skew", "safety.jailbreak", "privacy.memorization"):
        assert f'id="task-{task}"' in html
    assert "no tasks run" not in html
    assert "output_guard" in html and "pbm" in html
    rows = json.loads((out / "report.json").read_text())["rows"]
    assert_rows_match_golden(rows, "demo_limit12")
