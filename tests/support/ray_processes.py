"""Test-only helpers for Ray: a real head node started and stopped by its own process ids
(never ``ray stop``, which ends every Ray process on the machine), and /proc walks to find the
processes a scan or a cluster started and to prove they are gone."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vlmtrust_testing import free_port


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1])


def alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


def descendants(root: int) -> set[int]:
    """Every live process below ``root``, found by walking parent ids in /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = stat[1]
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return {pid for pid in found if alive(pid)}


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def wait_gone(pids: set[int], seconds: float = 30) -> set[int]:
    """The pids still alive after waiting up to ``seconds`` for them to exit."""
    deadline = time.monotonic() + seconds
    while (left := {p for p in pids if alive(p)}) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@dataclass(frozen=True)
class RayHead:
    address: str
    pid: int
    #: the environment a client needs: token auth with this head's token
    env: dict[str, str]


def ray_env() -> dict[str, str]:
    """This environment plus a fresh token for Ray's token auth (``RAY_AUTH_TOKEN`` beats the
    token file in ~/.ray, so nothing is read from or written to the home directory)."""
    env = dict(os.environ)
    env.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=secrets.token_hex(16))
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    return env


@contextmanager
def ray_head(num_cpus: int = 2) -> Iterator[RayHead]:
    """A real one-node Ray cluster on 127.0.0.1; afterwards every process it started is killed
    by pid and checked gone."""
    port = free_port()
    env = ray_env()
    ray_cli = str(Path(sys.executable).with_name("ray"))
    # its own short temp dir (unix socket paths are short), so the head records itself there,
    # not in /tmp/ray where a later `ray.init()` elsewhere would find it
    temp_dir = tempfile.mkdtemp(prefix="ray-")
    command = [
        ray_cli, "start", "--head", f"--port={port}", "--node-ip-address=127.0.0.1",
        f"--num-cpus={num_cpus}", "--num-gpus=0", "--include-dashboard=false",
        f"--temp-dir={temp_dir}", "--block",
    ]  # fmt: skip
    proc = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    started: set[int] = set()
    try:
        deadline = time.monotonic() + 90
        while not _listening(port):
            assert proc.poll() is None, "ray start exited before its head came up"
            assert time.monotonic() < deadline, "ray head did not come up in 90 s"
            time.sleep(0.3)
        started = descendants(proc.pid)
        yield RayHead(f"127.0.0.1:{port}", proc.pid, env)
    finally:
        started |= descendants(proc.pid) | {proc.pid}
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: start_new_session above
        for pid in started:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        proc.wait(30)
        left = wait_gone(started)
        shutil.rmtree(temp_dir, ignore_errors=True)
        assert not left, f"ray processes left running: {sorted(left)}"


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def zero_shot_units(model: str, n: int) -> list[Any]:
    """``n`` real work units of two world scenes each (robustness.zero_shot, clean)."""
    from vlmtrust.core.spec import Spec, parse_spec
    from vlmtrust.data.source import LoadOptions
    from vlmtrust.data.sources import open_source
    from vlmtrust.models.base import resolve_model
    from vlmtrust.runner.executor import WorkUnit
    from vlmtrust.tasks.base import DataContext, build_task

    handle = resolve_model(model)
    task = build_task(parse_spec(f"robustness.zero_shot:n={2 * n}"))
    source = open_source(None, LoadOptions(on_bad="fail", limit=None, max_pixels=10**7))
    samples = tuple(task.samples(DataContext(seed=0, limit=None, source=source)))
    resolved = task.resolve(samples)
    return [
        WorkUnit(
            model=handle,
            task=resolved.spec,
            attack=Spec(name="none"),
            mitigations=(),
            samples=samples[i : i + 2],
            keys=tuple(f"k{j}" for j in range(i, i + 2)),
        )
        for i in range(0, min(n * 2, len(samples)), 2)
    ]
