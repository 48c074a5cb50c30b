"""Usage errors (bad value, unknown or missing option, bad choice) are one line on stderr,
exit 2, through one mechanism for every command; help and version still work."""

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from vlmtrust.cli.main import app

runner = CliRunner()


def _assert_usage_error(result, command: str, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in message and "╭" not in message
    assert message.startswith("error: ")
    assert message.endswith(f"; see `{command} --help`")
    for needle in needles:
        assert needle in message


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--limit", "-5"], ["invalid value for '--limit'", "greater than or equal to 1"]),
        (["--limit", "abc"], ["invalid value for '--limit'", "valid integer"]),
        (["--batch-size", "0"], ["invalid value for '--batch-size'"]),
        (["--on-bad-data", "maybe"], ["invalid value for '--on-bad-data'", "'maybe'"]),
        (["--bogus"], ["no such option: --bogus"]),
    ],
    ids=["negative", "not-a-number", "zero-batch", "bad-choice", "unknown-option"],
)
def test_scan_usage_errors_are_one_line(tmp_path, args, needles):
    out = tmp_path / "run"
    result = runner.invoke(app, ["scan", "--model", "zoo:clip", "--out", str(out), *args])
    _assert_usage_error(result, "vlmtrust scan", *needles)
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "command", "needle"),
    [
        (["scan", "--out", "x"], "vlmtrust scan", "missing option '--model'"),
        (["report"], "vlmtrust report", "missing argument"),
        (["report", "x", "--format", "pdf"], "vlmtrust report", "'pdf'"),
        (["review", "export", "x"], "vlmtrust review export", "missing option '--out'"),
        (["zoo", "serve", "zoo:assistant", "--port", "70000"], "vlmtrust zoo serve", "--port"),
        (["nosuch"], "vlmtrust", "no such command 'nosuch'"),
    ],
)
def test_every_command_shares_the_mechanism(args, command, needle):
    _assert_usage_error(runner.invoke(app, args), command, needle)


def test_help_and_version_are_unchanged():
    assert runner.invoke(app, ["scan", "--help"]).exit_code == 0
    assert "--batch-size" in runner.invoke(app, ["scan", "--help"]).stdout
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0 and version.stdout.startswith("vlmtrust ")


def test_console_script_prints_one_line_and_help_without_arguments():
    """The installed entry point in a fresh process (what users run)."""
    command = [sys.executable, "-m", "vlmtrust"]
    bad = subprocess.run([*command, "scan", "--limit", "-5"], capture_output=True, text=True)
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and bad.stderr.startswith("error: invalid value for")
    bare = subprocess.run(command, capture_output=True, text=True)
    assert "Usage: vlmtrust" in bare.stdout and "scan" in bare.stdout
    assert bare.returncode == 2 and bare.stderr == ""


def test_a_bad_severity_file_is_one_line_before_anything_runs(tmp_path):

    bad = tmp_path / "severity.toml"
    bad.write_text("[jailbreak]\nhgih = 1\n")
    out = tmp_path / "run"
    args = ["scan", "--model", "zoo:clip", "--suite", "robustness", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--severity", str(bad)])
    assert result.exit_code == 2
    assert "rule jailbreak: unknown key(s) hgih" in result.output
    assert not out.exists()
    report = CliRunner().invoke(app, ["report", str(tmp_path), "--severity", str(bad)])
    assert report.exit_code == 2


SCAN = ["scan", "--model", "zoo:clip", "--out", "RUN"]


@pytest.mark.parametrize(
    ("args", "command", "repeated"),
    [
        ([*SCAN, "--suite", "safety", "--suite", "fairness"], "scan", "--suite"),
        (
            ["scan", "--model=zoo:clip", "--out", "RUN", "--model", "zoo:assistant"],
            "scan",
            "--model",
        ),
        ([*SCAN, "--limit", "2", "--limit=3"], "scan", "--limit"),
        (
            ["review", "export", "RUN", "--out", "a.csv", "--task", "x", "--task", "y"],
            "review export",
            "--task",
        ),
    ],
    ids=["suite", "model-inline", "limit", "nested-command"],
)
def test_a_single_valued_option_given_twice_is_refused(tmp_path, args, command, repeated):
    run = tmp_path / "run"
    result = runner.invoke(app, [str(run) if a == "RUN" else a for a in args])
    _assert_usage_error(result, f"vlmtrust {command}", f"{repeated} was given more than once")
    assert not run.exists()


def test_repeatable_options_and_option_like_values_are_not_counted(tmp_path):
    # --task and --fail-on repeat by design; "--limit" here is --fail-on's value, not an option
    args = ["scan", "--model", "zoo:clip", "--out", str(tmp_path / "run"), "--limit", "2"]
    args += ["--task", "nope.a", "--task", "nope.b", "--fail-on", "--limit"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "more than once" not in result.stderr
