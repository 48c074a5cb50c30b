"""A run whose process has exited reads "interrupted"; a run whose process lives, or runs on
another host, is left alone."""

import signal
import sqlite3
import subprocess
import sys
import textwrap

from vlmtrust.store import ResultStore
from vlmtrust.store.liveness import Owner, is_gone, this_process

START_AND_DIE = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from vlmtrust.store import ResultStore
    store = ResultStore.in_dir(Path(sys.argv[1]))
    store.start_run(sys.argv[2], {"model": {"name": "m"}})
    print("started", flush=True)
    if sys.argv[3] == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    sys.stdin.read()  # live until the test closes stdin
    """
)


def _statuses(store):
    return {r["run_id"]: r["status"] for r in store.runs()}


def test_this_process_is_alive_and_a_reaped_child_is_gone():
    assert not is_gone(this_process())
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    me = this_process()
    assert is_gone(Owner(pid=int(child.stdout), host=me.host, started=me.started))


def test_a_reused_pid_and_another_host():
    me = this_process()
    if me.started is not None:  # where /proc tells start times, a reused pid is told apart
        assert is_gone(Owner(pid=me.pid, host=me.host, started=me.started + "0"))
    assert not is_gone(Owner(pid=2**22 + 12345, host=me.host + ".elsewhere", started=None))


def test_a_killed_run_is_interrupted_and_a_live_one_stays_running(tmp_path):
    live = subprocess.Popen(
        [sys.executable, "-c", START_AND_DIE, str(tmp_path), "live", "live"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert live.stdout.readline() == "started\n"
        killed = subprocess.run(
            [sys.executable, "-c", START_AND_DIE, str(tmp_path), "killed", "die"],
            capture_output=True,
            text=True,
        )
        assert killed.returncode == -signal.SIGKILL and killed.stdout == "started\n"
        assert _raw_statuses(tmp_path) == {"killed": "running", "live": "running"}
        with ResultStore.open_existing(tmp_path) as store:  # read-only: shown, not written
            assert _statuses(store) == {"killed": "interrupted", "live": "running"}
        assert _raw_statuses(tmp_path) == {"killed": "running", "live": "running"}
        with ResultStore.in_dir(tmp_path) as store:  # opened for writing: corrected
            assert _statuses(store) == {"killed": "interrupted", "live": "running"}
        assert _raw_statuses(tmp_path) == {"killed": "interrupted", "live": "running"}
    finally:
        live.stdin.close()
        live.wait(timeout=60)
    with ResultStore.in_dir(tmp_path) as store:  # the live one ended without finishing
        assert _statuses(store) == {"killed": "interrupted", "live": "interrupted"}


def _raw_statuses(run_dir):
    db = sqlite3.connect(run_dir / "results.sqlite")
    try:
        return dict(db.execute("SELECT run_id, status FROM runs").fetchall())
    finally:
        db.close()
