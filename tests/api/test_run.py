"""``load_run`` reads back what ``scan`` returned; a re-scan reuses everything and judges its
gates as ``vlmtrust scan --fail-on`` does; ``Run.report`` writes every format by suffix."""

import json

import pytest
from typer.testing import CliRunner

import vlmtrust
from vlmtrust.cli.main import app
from vlmtrust.core.errors import ConfigError, StoreError

TASK = "robustness.zero_shot:corruptions=[]"
#: zoo:clip reads shapes far above chance: a gate demanding accuracy under 0.05 must fail
FAILING_GATE = "robustness.zero_shot[attack=none].accuracy>0.05"


def test_load_run_round_trips_rows_and_summary(example):
    run = example["run"]
    again = vlmtrust.load_run(run.dir)
    assert again.dir == run.dir and again.header == run.header
    assert again.metric_rows == run.metric_rows
    assert again.rows.equals(run.rows)
    assert again.summary == run.summary  # the scan had no gates; counts come from the store


def test_a_rescan_reuses_every_result_and_judges_gates_like_the_cli(example):
    run = example["run"]
    again = vlmtrust.scan(
        model="zoo:clip", tasks=[TASK], limit=20, out=run.dir, quiet=True, fail_on=[FAILING_GATE]
    )
    assert again.summary.reused == again.summary.planned == 20 and again.summary.executed == 0
    assert again.rows.equals(run.rows)
    (gate,) = again.summary.gates
    assert gate.gate == FAILING_GATE and gate.status == "fail" and gate.violated
    assert not again.summary.passed
    args = ["--model", "zoo:clip", "--task", TASK, "--limit", "20", "--out", str(run.dir)]
    cli = CliRunner().invoke(app, ["scan", *args, "--quiet", "--fail-on", FAILING_GATE])
    assert cli.exit_code == 1, cli.output
    assert f"gate fail {gate.message}" in " ".join(cli.stderr.split())


@pytest.mark.parametrize(
    ("name", "format", "opening"),
    [("r.json", None, "{"), ("r.md", None, "#"), ("r.xml", None, "<?xml"), ("r.txt", "json", "{")],
)
def test_report_picks_the_format_from_the_suffix_or_the_argument(
    example, tmp_path, name, format, opening
):
    written = example["run"].report(tmp_path / name, format=format)
    assert written == tmp_path / name
    assert written.read_text(encoding="utf-8").lstrip().startswith(opening)


def test_the_json_report_holds_the_runs_rows(example, tmp_path):
    run = example["run"]
    doc = json.loads(run.report(tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [r["value"] for r in doc["rows"]] == [r.value for r in run.metric_rows]


def test_bad_report_arguments_are_one_line_errors_and_write_nothing(example, tmp_path):
    run = example["run"]
    with pytest.raises(ConfigError, match="unknown report format 'pdf'"):
        run.report(tmp_path / "r.pdf", format="pdf")
    with pytest.raises(ConfigError, match="unknown gate_bound 'middle'"):
        run.report(
            tmp_path / "r.json", fail_on=["robustness.zero_shot.accuracy<0.5"], gate_bound="middle"
        )
    (tmp_path / "taken").mkdir()
    with pytest.raises(ConfigError, match="is a directory") as err:
        run.report(tmp_path / "taken")
    assert "\n" not in str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_load_run_of_a_directory_without_a_store_is_one_line(tmp_path):
    with pytest.raises(StoreError) as err:
        vlmtrust.load_run(tmp_path)
    assert "\n" not in str(err.value) and list(tmp_path.iterdir()) == []
