"""The docs' API example (docs/api.md) runs as written, and what it returns matches the CLI's
reports."""

import json
import math

from typer.testing import CliRunner

import vlmtrust
from vlmtrust.cli.main import app
from vlmtrust.core.records import MetricRow

KEY = ("task", "attack", "mitigation", "metric", "model")


def test_the_example_scans_reports_and_compares(example):
    run, where = example["run"], example["__cwd__"]
    assert isinstance(run, vlmtrust.Run)
    assert run.dir == where / "runs" / "api"  # absolute: the example ran in ``where``
    assert list(run.rows.columns) == list(MetricRow.model_fields)
    assert set(run.rows["task"]) == {"robustness.zero_shot"}
    assert (run.rows["n"] == 20).all()
    html = (where / "runs" / "api" / "report.html").read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html") and "robustness.zero_shot" in html
    assert "'privacy: not scanned'" in example["__stdout__"]  # the verdicts it printed
    assert "robustness.zero_shot" in [p.name for p in vlmtrust.list_plugins("task")]


def test_rows_are_the_numbers_of_the_clis_json_report(example):
    run = example["run"]
    result = CliRunner().invoke(app, ["report", str(run.dir), "--format", "json"])
    assert result.exit_code == 0, result.output
    reported = {tuple(r[k] for k in KEY): r for r in json.loads(result.stdout)["rows"]}
    mine = {tuple(r[k] for k in KEY): r for r in run.rows.to_dict("records")}
    assert mine.keys() == reported.keys() and len(mine) >= 3
    for key, row in mine.items():
        for name in ("value", "ci_low", "ci_high"):
            theirs = reported[key][name]
            assert (math.isnan(row[name]) and theirs is None) or row[name] == theirs, (key, name)
        assert row["n"] == reported[key]["n"] and row["details"] == reported[key]["details"]


def test_the_summary_is_what_the_scan_did(example):
    summary = example["run"].summary
    assert summary.planned == 20 and summary.executed == 20 and summary.reused == 0
    assert summary.model_calls >= 1 and summary.run_id
    assert len(summary.verdicts) == 4 and summary.gates == () and summary.passed
