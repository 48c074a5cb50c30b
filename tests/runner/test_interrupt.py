"""Ctrl-C and kill -9 in the middle of a real scan lose no stored result, and a re-run ends with
exactly the store an uninterrupted run writes."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from store_reads import stored_content, stored_count

TASK = 'robustness.zero_shot:n=150,corruptions=["jpeg","contrast"]'
TOTAL = 450


def _scan(model_dir: Path, out: Path, quiet: bool = True) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "vlmtrust",
        "scan",
        "--model",
        f"hf:{model_dir}",
        "--task",
        TASK,
        "--out",
        str(out),
        "--batch-size",
        "2",
    ]
    return [*command, "--quiet"] if quiet else command


def _interrupt_halfway(model_dir: Path, out: Path, sig: int) -> subprocess.CompletedProcess:
    # the scan gets the default Ctrl-C disposition even when the suite itself was started with
    # SIGINT ignored (a background job of a shell without job control)
    proc = subprocess.Popen(
        _scan(model_dir, out),
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while stored_count(out) < TOTAL // 4:
        assert proc.poll() is None, "scan finished before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(proc.pid, sig)
    _, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, "", err)


@pytest.fixture(scope="module")
def uninterrupted(tiny_clip, tmp_path_factory) -> tuple[list, list]:
    out = tmp_path_factory.mktemp("clean") / "run"
    subprocess.run(_scan(tiny_clip, out), check=True)
    return stored_content(out)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_interrupted_scan_resumes_to_the_same_store(tiny_clip, tmp_path, uninterrupted, sig):
    out = tmp_path / "run"
    stopped = _interrupt_halfway(tiny_clip, out, sig)
    if sig == signal.SIGINT:
        assert stopped.returncode == 130
        assert "re-run the same command to resume" in stopped.stderr
        assert "Traceback" not in stopped.stderr
    else:
        assert stopped.returncode == -signal.SIGKILL
    kept = stored_count(out)
    assert TOTAL // 4 <= kept < TOTAL
    resumed = subprocess.run(
        _scan(tiny_clip, out, quiet=False), capture_output=True, text=True, check=True
    )
    assert f"reusing {kept} stored" in " ".join(resumed.stderr.split())
    assert stored_content(out) == uninterrupted
