"""The command line: one-line errors with exit code 2 and nothing written; list; report."""

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from vlmtrust.cli.main import app

runner = CliRunner()


def _scan(*args: str):
    return runner.invoke(app, ["scan", *args])


def _assert_user_error(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith("error: ")
    for needle in needles:
        assert needle in message


def test_missing_model_dir(tmp_path):
    out = tmp_path / "run"
    result = _scan("--model", f"hf:{tmp_path / 'nope'}", "--suite", "robustness", "--out", str(out))
    _assert_user_error(result, "does not exist", str(tmp_path / "nope"))
    assert not out.exists()


def test_unknown_task_suggests_the_right_name(tiny_clip, tmp_path):
    out = tmp_path / "run"
    result = _scan(
        "--model", f"hf:{tiny_clip}", "--suite", "robustness.zero_shoot", "--out", str(out)
    )
    _assert_user_error(result, "unknown tasks 'robustness.zero_shoot'", "robustness.zero_shot")
    assert not out.exists()


def test_bad_parameter_type(tiny_clip, tmp_path):
    out = tmp_path / "run"
    result = _scan(
        "--model",
        f"hf:{tiny_clip}",
        "--task",
        "robustness.zero_shot:severity=high",
        "--out",
        str(out),
    )
    _assert_user_error(result, "'severity'", "robustness.zero_shot")
    assert not out.exists()


@pytest.mark.parametrize("template", ["a {1}", "a {", "a photo"])
def test_bad_prompt_template_fails_before_the_store_opens(tmp_path, template):
    out = tmp_path / "run"
    task = f"robustness.zero_shot:template={template}"
    result = _scan("--model", "zoo:clip", "--task", task, "--limit", "3", "--out", str(out))
    _assert_user_error(result, "bad parameter 'template'", repr(template))
    assert not out.exists()


def test_corrupt_image_fails_or_is_skipped_by_flag(tiny_clip, tmp_path, world_folder):
    bad = world_folder / "broken.png"
    bad.write_bytes(b"\x89PNG not really an image")
    with (world_folder / "labels.csv").open("a") as handle:
        handle.write("broken.png,circle\n")
    out = tmp_path / "run"
    args = ["--model", f"hf:{tiny_clip}", "--task", "robustness.zero_shot:corruptions=[]"]
    result = _scan(*args, "--data", str(world_folder), "--out", str(out))
    _assert_user_error(result, str(bad))
    assert not out.exists()
    skipped = _scan(*args, "--data", str(world_folder), "--out", str(out), "--on-bad-data", "skip")
    assert skipped.exit_code == 0, skipped.output
    assert "broken.png" in skipped.stderr
    assert (out / "results.sqlite").exists()


def test_an_unknown_data_source_name_stops_the_scan_in_one_line(tmp_path):
    out = tmp_path / "run"
    args = ["--model", "zoo:clip", "--task", "robustness.zero_shot", "--out", str(out)]
    result = _scan(*args, "--data", "no_such_bench:/data/NoSuchBench")
    _assert_user_error(result, "unknown data source 'no_such_bench'", "folder, hf_disk, ")
    assert not out.exists()


def test_a_named_folder_source_scans_like_the_detected_folder(tmp_path, world_folder):
    args = ["--model", "zoo:clip", "--task", "robustness.zero_shot:corruptions=[]"]
    out = tmp_path / "run"
    result = _scan(*args, "--data", f"folder:{world_folder}", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "planned 12 results" in result.stderr


def test_debug_shows_the_traceback(tmp_path):
    result = runner.invoke(
        app,
        ["--debug", "scan", "--model", "hf:/nope", "--suite", "robustness", "--out", str(tmp_path)],
    )
    assert result.exit_code != 0 and result.exception is not None
    assert "does not exist" in str(result.exception)


def test_list_shows_every_kind_with_descriptions():
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0
    for needle in [
        "models",
        "hf ",
        "robustness.zero_shot",
        "corruption.jpeg",
        "mitigations",
        "accuracy",
        "data sources",
        "hf_disk",
        "judges",
        "llama_guard",
    ]:
        assert needle in result.stdout


def test_scan_then_report_json_and_markdown(tiny_clip, tmp_path):
    out = tmp_path / "run"
    result = _scan(
        "--model",
        f"hf:{tiny_clip}",
        "--task",
        "robustness.zero_shot:n=10",
        "--out",
        str(out),
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(runner.invoke(app, ["report", str(out), "--format", "json"]).stdout)
    rows = doc["rows"]
    assert {r["attack"] for r in rows} >= {"none", "corruption.jpeg"}
    assert set(rows[0]) == {
        "task",
        "attack",
        "mitigation",
        "metric",
        "value",
        "ci_low",
        "ci_high",
        "n",
        "model",
        "details",
    }
    assert doc["runs"][0]["header"]["model"]["fingerprint"]
    md_path = tmp_path / "report.md"
    assert runner.invoke(app, ["report", str(out), "--out", str(md_path)]).exit_code == 0
    assert "| robustness.zero_shot | none | none | accuracy |" in md_path.read_text()


def test_report_on_a_directory_without_a_store(tmp_path):
    _assert_user_error(runner.invoke(app, ["report", str(tmp_path)]), "no results store")


@pytest.mark.parametrize("args", [["--version"], ["list"]])
def test_console_script_runs(args):
    """The installed entry point itself, in a fresh process."""
    result = subprocess.run(
        [sys.executable, "-m", "vlmtrust", *args], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_the_cli_imports_no_heavy_library_before_a_command_needs_one():
    """Every command, ``--help`` included, pays for importing the CLI: no numerics, torch or
    transformers there (``--format``'s enum once pulled sklearn, scipy and pandas in)."""
    from vlmtrust_testing import HEAVY_LIBRARIES, imported_after

    heavy = (*HEAVY_LIBRARIES, "torch", "transformers")
    assert imported_after("import vlmtrust.cli.main", heavy) == []


def test_repeated_mitigate_options_add_up_like_a_comma_list(tiny_clip, tmp_path):
    mitigations = {}
    for name, args in {
        "repeated": ["--mitigate", "temperature_scaling", "--mitigate", "abstain"],
        "listed": ["--mitigate", "temperature_scaling,abstain"],
    }.items():
        out = tmp_path / name
        task = ["--task", 'robustness.zero_shot:n=4,corruptions=["jpeg"]']
        result = _scan("--model", f"hf:{tiny_clip}", *task, *args, "--out", str(out), "--quiet")
        assert result.exit_code == 0, result.output
        doc = json.loads(runner.invoke(app, ["report", str(out), "--format", "json"]).stdout)
        mitigations[name] = {r["mitigation"].split("(")[0] for r in doc["rows"]}
    assert (
        mitigations["repeated"]
        == mitigations["listed"]
        == {"none", "temperature_scaling", "abstain"}
    )
