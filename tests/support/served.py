"""Start a `vlmtrust ... serve` process for a test or a bench and stop it by its own pid: the
command prints ``<prefix>... at URL`` as its first line once it listens."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Served:
    proc: subprocess.Popen[str]
    url: str


@contextmanager
def serving(command: list[str], prefix: str, env: dict[str, str] | None = None) -> Iterator[Served]:
    """Yield the process and the URL it printed; a start that fails raises with its stderr."""
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        line = proc.stdout.readline()
        if not line.startswith(prefix):
            proc.kill()
            raise RuntimeError(f"{' '.join(command)} did not start: {line!r} {proc.stderr.read()}")
        yield Served(proc, line.split(" at ")[1].split()[0])
    finally:
        proc.terminate()  # its own pid only
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
