"""``vlmtrust run plan.toml``: the example plan of docs/scanning.md (two zoo models x two
mitigations) runs, a re-run runs nothing, ``--dry-run`` lists what would run before and what is
stored after and writes nothing, ``vlmtrust report OUT`` shows the whole plan, and malformed
plans are one line with the file and line, exit 2."""

import contextlib
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vlmtrust.cli.main import app
from vlmtrust.store import ResultStore

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def readme_plan() -> str:
    """The first TOML block of the `Scan plans` section of docs/scanning.md."""
    page = (ROOT / "docs" / "scanning.md").read_text("utf-8")
    section = page.split("\n## Scan plans", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```toml\n(.*?)```", section, re.S)
    assert found is not None, "the Scan plans section has no ```toml block"
    return found[1]


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
    }


def _preview_rows(stdout: str) -> dict[tuple[str, str, str], tuple[int, int]]:
    """(model, task, mitigation) -> (to run, stored), read from the dry run's table."""
    rows = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.strip("│┃ ").split("│")]
        if len(cells) == 6 and cells[4].isdigit():
            rows[cells[1], cells[2], cells[3]] = (int(cells[4]), int(cells[5]))
    return rows


def test_readme_plan_loads_as_two_models_x_two_mitigations(tmp_path, monkeypatch):
    """The default suite's check of the docs' plan (the slow tests below run it)."""
    from vlmtrust.runner.plan import load_plan

    (tmp_path / "plan.toml").write_text(readme_plan())
    monkeypatch.chdir(tmp_path)
    plan = load_plan(Path("plan.toml"))
    assert [s.model for s in plan.scans] == ["zoo:clip", "zoo:clip-fair"]
    assert all(len(s.config.mitigations) == 2 for s in plan.scans)


@pytest.fixture(scope="module")
def plan_runs(tmp_path_factory):
    """Dry run, run, re-run and dry run again of the docs' plan, in a fresh working folder."""
    folder = tmp_path_factory.mktemp("plan")
    (folder / "plan.toml").write_text(readme_plan())
    with contextlib.chdir(folder):
        before = runner.invoke(app, ["run", "plan.toml", "--dry-run"])
        files_after_dry_run = _files(folder)
        first = runner.invoke(app, ["run", "plan.toml", "--quiet"])
        stored = _files(folder / "runs")
        again = runner.invoke(app, ["run", "plan.toml"])
        files_after_re_run = _files(folder / "runs")
        after = runner.invoke(app, ["run", "plan.toml", "--dry-run"])
        files_after_second_dry_run = _files(folder / "runs")
        report = runner.invoke(app, ["report", "runs/plan", "--format", "json"])
    return {
        "folder": folder,
        "before": before,
        "files_after_dry_run": files_after_dry_run,
        "first": first,
        "again": again,
        "after": after,
        "stored": stored,
        "files_after_re_run": files_after_re_run,
        "files_after_second_dry_run": files_after_second_dry_run,
        "report": report,
    }


@pytest.mark.slow
def test_dry_run_before_lists_every_model_task_and_mitigation_and_writes_nothing(plan_runs):
    before = plan_runs["before"]
    assert before.exit_code == 0, before.output
    rows = _preview_rows(before.stdout)
    expected = {
        (model, "robustness.zero_shot", variant)
        for model in ("zoo:clip", "zoo:clip-fair")
        for variant in ("none", "temperature_scaling", "debias_projection")
    }
    assert set(rows) == expected
    assert all(to_run == 8 and stored == 0 for to_run, stored in rows.values())
    plan_file = _files(plan_runs["folder"])["plan.toml"]
    assert plan_runs["files_after_dry_run"] == {"plan.toml": plan_file}


@pytest.mark.slow
def test_plan_runs_both_models_into_their_own_run_directories(plan_runs):
    first = plan_runs["first"]
    assert first.exit_code == 0, first.output
    out = plan_runs["folder"] / "runs" / "plan"
    assert sorted(p.name for p in out.iterdir()) == ["zoo-clip", "zoo-clip-fair"]
    for name in ("zoo-clip", "zoo-clip-fair"):
        with ResultStore.open_existing(out / name) as store:
            assert store.count_results() == 3 * 8  # baseline + two mitigations, 8 samples
            header = store.runs()[-1]["header"]
    assert header["plan"]["file"] == "plan.toml"
    assert header["plan"]["settings"]["models"] == ["zoo:clip", "zoo:clip-fair"]
    assert header["mitigations"] == ["temperature_scaling", "debias_projection"]
    assert "gate pass robustness.zero_shot.accuracy<0.5" in first.stderr


@pytest.mark.slow
def test_re_run_reuses_everything(plan_runs):
    again = plan_runs["again"]
    assert again.exit_code == 0, again.output
    for name in ("zoo-clip", "zoo-clip-fair"):
        assert f"runs/plan/{name}: reused 24 of 24 results, ran 0 (0 model calls)" in again.stderr
    out = plan_runs["folder"] / "runs" / "plan"
    for name in ("zoo-clip", "zoo-clip-fair"):
        with ResultStore.open_existing(out / name) as store:
            assert store.count_results() == 24
            assert [r["summary"]["model_calls"] for r in store.runs()][1:] == [0]


@pytest.mark.slow
def test_dry_run_after_shows_everything_stored_and_writes_nothing(plan_runs):
    after = plan_runs["after"]
    assert after.exit_code == 0, after.output
    rows = _preview_rows(after.stdout)
    assert len(rows) == 6
    assert all(to_run == 0 and stored == 8 for to_run, stored in rows.values())
    assert "0 results to run, 48 stored" in after.stdout
    # the dry run reads the stores read-only: not one file of the run directories changed
    assert plan_runs["files_after_second_dry_run"] == plan_runs["files_after_re_run"]


@pytest.mark.slow
def test_report_of_the_plan_directory_shows_both_models_and_both_mitigations(plan_runs):
    report = plan_runs["report"]
    assert report.exit_code == 0, report.output
    doc = json.loads(report.stdout)
    assert [run["run_dir"] for run in doc["runs"]] == [
        "runs/plan/zoo-clip",
        "runs/plan/zoo-clip-fair",
    ]
    rows = doc["rows"]
    assert {r["model"] for r in rows} == {"zoo:clip", "zoo:clip-fair"}
    assert {r["mitigation"] for r in rows} == {"none", "temperature_scaling", "debias_projection"}


GOOD_PLAN = """\
out = "runs/plan"
models = ["zoo:clip"]
tasks = ["robustness.zero_shot:corruptions=[]"]
limit = 4
"""

BASELINE_GATE = "robustness.zero_shot.accuracy<baseline-0.1"


def _assert_plan_error(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in message, message
    assert message.startswith("error: "), message
    for needle in needles:
        assert needle in message, message


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        (GOOD_PLAN + "limits = 3\n", ["plan.toml:5: unknown key 'limits'", "limit"]),
        (GOOD_PLAN.replace("limit = 4", 'limit = "4"'), ["plan.toml:4: limit:", "integer"]),
        (GOOD_PLAN.replace('"zoo:clip"]', '"zoo:clip", 3]'), ["plan.toml:2: models[1]:"]),
        (GOOD_PLAN.replace("runs/plan", "../x"), ["plan.toml:1: out '../x' points outside"]),
        (GOOD_PLAN + 'data = ["folder:/etc"]\n', ["plan.toml:5: data '/etc' points outside"]),
        (GOOD_PLAN + "seed = \n", ["plan.toml:5: not valid TOML"]),
        (GOOD_PLAN.replace("zero_shot:", "zero_shoot:"), ["plan.toml:3:", "robustness.zero_shot"]),
        (GOOD_PLAN + 'mitigations = ["guard+nope"]\n', ["plan.toml:5:", "'nope'"]),
        (GOOD_PLAN + 'fail_on = ["robustness.zero_shot.accuracy"]\n', ["plan.toml:5: gate"]),
        (GOOD_PLAN + f'fail_on = ["{BASELINE_GATE}"]\n', ["plan.toml:5:", "baseline run"]),
        (GOOD_PLAN + "\n[extra]\nx = 1\n", ["plan.toml:6: unknown key 'extra'"]),
        (GOOD_PLAN.replace('out = "runs/plan"\n', ""), ["plan.toml: missing key 'out'"]),
    ],
    ids=[
        "unknown-key",
        "wrong-type",
        "wrong-type-in-list",
        "out-outside",
        "data-outside",
        "bad-toml",
        "unknown-task",
        "unknown-mitigation",
        "bad-gate",
        "baseline-gate",
        "unknown-table",
        "missing-key",
    ],
)
def test_malformed_plan_is_one_line_with_file_and_line_and_writes_nothing(
    tmp_path, monkeypatch, text, needles
):
    (tmp_path / "plan.toml").write_text(text)
    monkeypatch.chdir(tmp_path)
    for args in (["run", "plan.toml"], ["run", "plan.toml", "--dry-run"]):
        _assert_plan_error(runner.invoke(app, args), *needles)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.toml"]


def test_missing_plan_file_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["run", "nope.toml", "--dry-run"])
    _assert_plan_error(result, "plan file nope.toml does not exist")
    assert list(tmp_path.iterdir()) == []
