"""The glibc malloc tuning: on, off by switch, deferring to glibc's own variables, and that it
really keeps freed buffers (a fresh process allocating and freeing 8 MB buffers page-faults
again on every round with glibc's defaults, whose trim threshold is below the 32 MB freed;
tuned, hardly at all)."""

import os
import subprocess
import sys

import pytest

from vlmtrust.core.allocator import SWITCH, tune_allocator

glibc_linux = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION") is None,
    reason="the tuning applies to glibc on Linux only",
)

ROUNDS = """
import resource
from vlmtrust.core.allocator import tune_allocator
applied = tune_allocator()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(40):
    blocks = [b"x" * (8 << 20) for _ in range(4)]  # 4 x 8 MB, freed after each round
    del blocks
print(applied, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(switch: str) -> tuple[str, int]:
    env = {**os.environ, SWITCH: switch}
    out = subprocess.run(
        [sys.executable, "-c", ROUNDS], env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    return out[0], int(out[1])


@glibc_linux
def test_applies_on_glibc_and_again_when_called_twice(monkeypatch):
    monkeypatch.delenv(SWITCH, raising=False)
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    assert tune_allocator() is True
    assert tune_allocator() is True


def test_switched_off_by_the_variable(monkeypatch):
    monkeypatch.setenv(SWITCH, "0")
    assert tune_allocator() is False


def test_glibc_own_variables_win(monkeypatch):
    monkeypatch.delenv(SWITCH, raising=False)
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "1000000")
    assert tune_allocator() is False


@glibc_linux
def test_tuned_process_stops_refaulting_freed_buffers():
    applied_off, faults_off = _faults("0")
    applied_on, faults_on = _faults("1")
    assert (applied_off, applied_on) == ("False", "True")
    # with the defaults at least one 8 MB block (2048 pages of 4 KB) refaults every round;
    # tuned, only the first round faults
    assert faults_off > 40 * 2048
    assert faults_on < faults_off / 5
