"""A real MLflow tracking server for the tests: sqlite backend, artifacts proxied by the server
into a folder of the test's, on 127.0.0.1 and a free port, stopped by the process group it
started (never a broad kill). Telemetry is off: nothing leaves the machine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from vlmtrust_testing import free_port


@contextmanager
def mlflow_server(folder: Path) -> Iterator[tuple[str, int]]:
    """Yields the tracking URI and the server's process group id."""
    port = free_port()
    mlflow = Path(sys.executable).with_name("mlflow")
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
    log = (folder / "server.log").open("wb")
    server = subprocess.Popen(
        [
            str(mlflow), "server",
            "--backend-store-uri", f"sqlite:///{folder / 'mlflow.db'}",
            "--artifacts-destination", str(folder / "artifacts"),
            "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        ],
        cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    uri = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert server.poll() is None, (folder / "server.log").read_text()[-2000:]
            try:
                if httpx.get(f"{uri}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            raise AssertionError("the MLflow server did not answer in 120 s")
        yield uri, server.pid
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the group this test started, by its pid
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def group_alive(group: int, wait: float = 15.0) -> bool:
    """Whether a live process of the group is left after ``wait`` seconds (zombies, which a
    container's init may leave unreaped, run nothing and do not count)."""
    deadline = time.monotonic() + wait
    while True:
        live = [pid for pid, state in _group_members(group) if state != "Z"]
        if not live or time.monotonic() > deadline:
            return bool(live)
        time.sleep(0.2)


def _group_members(group: int) -> list[tuple[int, str]]:
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its ")"
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[2]) == group:
            members.append((int(stat.parent.name), fields[0]))
    return members
