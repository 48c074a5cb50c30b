"""``vlmtrust history``: three real runs (clean twin, backdoored model, clean twin) become one
trend per headline metric; each step is judged by the paired test on shared samples; every
point names its model fingerprint and commit; the order is the runs' start time, not the order
given; fewer than two runs is a one-line error."""

from __future__ import annotations

import json

from cli_run import run_cli

from vlmtrust.core.provenance import commit_from_env
from vlmtrust.report.history import load_history


def test_points_follow_start_time_and_name_fingerprint_and_commit(history_runs):
    found = load_history(list(reversed(history_runs)))
    assert [p.run.run_dir for p in found.points] == history_runs
    assert [p.commit for p in found.points] == ["1" * 40, "2" * 40, "3" * 40]
    prints = [p.fingerprint for p in found.points]
    assert prints[0] == prints[2] != prints[1]  # the backdoored model is another model


def test_each_step_is_judged_by_the_paired_test(history_runs):
    found = load_history(history_runs)
    trigger = next(s for s in found.series if s.key[1] == "trigger")
    assert trigger.key == ("robustness.backdoor_trigger", "trigger", "none", "accuracy")
    assert [r.value for r in trigger.rows if r is not None] == [1.0, 0.0, 1.0]
    down, up = trigger.changes[1], trigger.changes[2]
    assert down is not None and up is not None and down.real and up.real
    assert down.paired is not None and down.paired.difference == -1.0
    assert down.paired.n_pairs == 16 and down.paired.test == "McNemar exact"
    clean = next(s for s in found.series if s.key[1] == "none")
    assert all(c is None or not c.real for c in clean.changes)


def test_the_cli_writes_markdown_json_and_html(history_runs, tmp_path):
    dirs = [str(d) for d in history_runs]
    md = run_cli("history", *dirs)
    assert md.code == 0, md.stderr
    assert "| trigger | 1.000 [0.806, 1.000] (n=16) | 0.000 [0.000, 0.194] (n=16) |" in md.stdout
    assert "`1111111111" in md.stdout
    as_json = run_cli("history", *dirs, "--format", "json")
    data = json.loads(as_json.stdout)
    assert [p["commit"] for p in data["points"]] == ["1" * 40, "2" * 40, "3" * 40]
    trigger = next(s for s in data["series"] if s["attack"] == "trigger")
    assert trigger["changes"][0] is None and trigger["changes"][1]["real"] is True
    page = tmp_path / "history.html"
    html = run_cli("history", *dirs, "--out", str(page))
    assert html.code == 0 and "<svg" in page.read_text()


def test_one_run_is_not_a_history(history_runs):
    result = run_cli("history", str(history_runs[0]))
    assert result.code == 2
    assert result.stderr.count("\n") == 1 and "at least two run directories" in result.stderr


def test_the_commit_comes_from_the_ci_environment_only():
    assert commit_from_env({}) is None
    assert commit_from_env({"CI_COMMIT_SHA": "abc", "GITHUB_SHA": ""}) == "abc"
    assert commit_from_env({"VLMTRUST_COMMIT": "mine", "GITHUB_SHA": "theirs"}) == "mine"
