"""A scan killed with kill -9 cannot record how it ended: reports show its run as interrupted
(without writing), and the next scan in the directory records it so."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

from typer.testing import CliRunner

from vlmtrust.cli.main import app

runner = CliRunner()


def _query(out, sql):
    path = out / "results.sqlite"
    if not path.exists():
        return []
    db = sqlite3.connect(path, timeout=10)
    try:
        return db.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []  # the schema is not there yet
    finally:
        db.close()


def _scan(n):
    task = f"robustness.zero_shot:n={n},corruptions=[]"
    return [sys.executable, "-m", "vlmtrust", "scan", "--model", "zoo:clip", "--task", task]


def test_a_killed_scan_reads_interrupted(tmp_path):
    out = tmp_path / "run"
    scan = [*_scan(400), "--batch-size", "2", "--out", str(out), "--quiet"]
    proc = subprocess.Popen(scan, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not _query(out, "SELECT 1 FROM results LIMIT 4")[3:]:
        assert proc.poll() is None, "the scan ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=60) == -signal.SIGKILL
    assert _query(out, "SELECT status FROM runs") == [("running",)]

    report = runner.invoke(app, ["report", str(out), "--format", "html"])
    assert report.exit_code == 0, report.output
    assert "<td>interrupted</td>" in report.stdout and "<td>running</td>" not in report.stdout
    assert _query(out, "SELECT status FROM runs") == [("running",)]  # the report wrote nothing

    again = subprocess.run([*_scan(4), "--out", str(out), "--quiet"], capture_output=True)
    assert again.returncode == 0, again.stderr
    statuses = _query(out, "SELECT status FROM runs ORDER BY started")
    assert statuses == [("interrupted",), ("complete",)]
