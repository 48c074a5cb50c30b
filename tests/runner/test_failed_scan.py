"""A scan that fails after the store opened (a model that cannot be reached or loaded) says so
in one line, exit 2, and leaves no run directory when it stored nothing; a run directory that
already held results keeps them, with the failed run recorded."""

import shutil
import socket
import sqlite3

import pytest
from typer.testing import CliRunner

from vlmtrust.cli.main import app

runner = CliRunner()
TASK = "robustness.zero_shot:n=6,corruptions=[]"


def _scan(model, out, task=TASK):
    return runner.invoke(
        app, ["scan", "--model", model, "--task", task, "--out", str(out), "--quiet"]
    )


def _assert_one_line(result, *needles):
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    for needle in needles:
        assert needle in result.stderr


@pytest.fixture
def broken_clip(tiny_clip, tmp_path):
    """A checkpoint whose config and tokenizer are fine and whose weights are garbage."""
    broken = tmp_path / "broken-clip"
    shutil.copytree(tiny_clip, broken)
    (broken / "model.safetensors").write_bytes(b"\x00garbage" * 512)
    return broken


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_endpoint_leaves_no_run_directory(tmp_path):
    out = tmp_path / "runs" / "remote"
    model = f"openai:http://127.0.0.1:{_closed_port()}/v1#model"
    result = runner.invoke(
        app, ["scan", "--model", model, "--task", "safety.jailbreak", "--out", str(out), "--quiet"]
    )
    _assert_one_line(result, "cannot reach")
    assert not (tmp_path / "runs").exists()  # the parent it made goes too


def test_corrupt_weights_leave_no_run_directory(broken_clip, tmp_path):
    out = tmp_path / "run"
    _assert_one_line(_scan(f"hf:{broken_clip}", out), "cannot load", str(broken_clip))
    assert not out.exists()


def test_an_existing_empty_directory_is_kept_but_left_empty(broken_clip, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    _assert_one_line(_scan(f"hf:{broken_clip}", out), "cannot load")
    assert out.is_dir() and list(out.iterdir()) == []


def test_stored_results_survive_a_failed_rerun(tiny_clip, broken_clip, tmp_path):
    out = tmp_path / "run"
    assert _scan(f"hf:{tiny_clip}", out).exit_code == 0
    before = _rows(out, "SELECT * FROM results ORDER BY key")
    _assert_one_line(_scan(f"hf:{broken_clip}", out), "cannot load")
    assert _rows(out, "SELECT * FROM results ORDER BY key") == before and before
    assert _rows(out, "SELECT status FROM runs ORDER BY started") == [("complete",), ("failed",)]


def _rows(out, query):
    db = sqlite3.connect(out / "results.sqlite")
    try:
        return db.execute(query).fetchall()
    finally:
        db.close()
