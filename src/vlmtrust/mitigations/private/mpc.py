"""Secure multi-party computation (MPyC) among local party processes on 127.0.0.1: each job
starts its parties (``-M3 -I i -P 127.0.0.1:PORT``, free ports), waits for them and leaves none
running; the parties' own inputs travel only to their own process (a file in the job folder it
alone reads), everything else they learn comes through MPyC's secret-sharing protocol.

Fixed point on shares: each party scales its own input by 2^frac_bits to integers and MPyC's
``SecInt(bit_length)`` over Shamir shares does the arithmetic exactly (threshold 1 of 3: any one
party sees nothing of another's input; two colluding parties could reconstruct it). MPyC's own
``SecFxp`` array product returned garbage for non-dyadic inputs with 3 parties in MPyC 0.11
(values near 2^63), so the truncation-free integer form is used.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vlmtrust.core.errors import ConfigError
from vlmtrust.mitigations.private.extra import require_extra
from vlmtrust.mitigations.private.linear_head import LinearHead

PARTY_SCRIPT = Path(__file__).with_name("mpc_party.py")
PARTIES = 3


@dataclass(frozen=True)
class MpcSetting:
    """Inputs with ``frac_bits`` fraction bits in ``bit_length``-bit secure integers; products
    carry twice the fraction bits. 20 bits round an input by at most 2^-21 (a logit error of
    ~1e-5 over 384 terms); a product sum must stay below 2^(bit_length - 1), checked before a
    job starts."""

    bit_length: int = 64
    frac_bits: int = 20
    timeout_s: float = 300.0

    def details(self) -> dict[str, Any]:
        return {
            "scheme": "MPyC Shamir secret sharing, fixed point as secure integers",
            "parties": PARTIES,
            "threshold": (PARTIES - 1) // 2,
            "bit_length": self.bit_length,
            "frac_bits": self.frac_bits,
            "network": "local processes on 127.0.0.1",
        }


@dataclass(frozen=True)
class MpcRun:
    """One job's outcome: each party's report, the folder's outputs, the wall time including
    starting the processes, and the pids that were started (all gone when this exists)."""

    parties: list[dict[str, Any]]
    outputs: dict[str, np.ndarray]
    wall_seconds: float
    pids: list[int] = field(default_factory=list)

    @property
    def bytes_exchanged(self) -> int:
        return int(sum(p["bytes_sent"] for p in self.parties))

    @property
    def protocol_seconds(self) -> float:
        return float(max(p["seconds"] for p in self.parties))


def free_ports(count: int) -> list[int]:
    """Ports the OS hands out on 127.0.0.1 now (held together so they differ)."""
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in socks]


def run_job(
    kind: str,
    inputs: Mapping[str, np.ndarray],
    spec: Mapping[str, Any],
    setting: MpcSetting,
    outputs: tuple[str, ...] = (),
) -> MpcRun:
    """Run job ``kind`` (see mpc_party.py) with ``inputs`` (file name -> array, each read only
    by its owner party) among PARTIES local processes."""
    require_extra("mpyc", "secure multi-party scoring")
    with tempfile.TemporaryDirectory(prefix="vlmtrust-mpc-") as folder:
        job = Path(folder)
        for name, array in inputs.items():
            np.save(job / name, np.asarray(array, dtype=np.float64))
        full = {"kind": kind, "bit_length": setting.bit_length, "frac_bits": setting.frac_bits}
        (job / "job.json").write_text(json.dumps({**full, **spec}))
        start = time.perf_counter()
        pids = _run_parties(job, setting.timeout_s)
        wall = time.perf_counter() - start
        reports = [json.loads((job / f"party{i}.json").read_text()) for i in range(PARTIES)]
        opened = {name: np.load(job / f"{name}.npy") for name in outputs}
    return MpcRun(reports, opened, wall, pids)


def _run_parties(job: Path, timeout_s: float) -> list[int]:
    addresses = [arg for p in free_ports(PARTIES) for arg in ("-P", f"127.0.0.1:{p}")]
    env = {**os.environ, "VLMTRUST_MPC_JOB": str(job)}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for i in range(PARTIES):
            log = (job / f"party{i}.log").open("wb")
            command = [sys.executable, str(PARTY_SCRIPT), "-M", str(PARTIES), "-I", str(i)]
            procs.append(
                subprocess.Popen(
                    [*command, *addresses, "--no-prss"], env=env, stdout=log, stderr=log
                )
            )
            log.close()
        deadline = time.monotonic() + timeout_s
        for proc in procs:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    finally:
        for proc in procs:  # only the processes this call started, by their own handle
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    failed = [i for i, p in enumerate(procs) if p.returncode != 0]
    if failed:
        tail = (job / f"party{failed[0]}.log").read_text(errors="replace")[-800:]
        raise RuntimeError(
            f"MPC party {failed[0]} exited with {procs[failed[0]].returncode}: {tail}"
        )
    return [p.pid for p in procs]


def mpc_logits(
    head: LinearHead, embeddings: np.ndarray, setting: MpcSetting
) -> tuple[np.ndarray, MpcRun]:
    """The head's logits of ``embeddings`` computed on shares, opened to the client alone."""
    n, dim = embeddings.shape
    largest = dim * np.abs(embeddings).max(initial=0) * np.abs(head.weight).max(initial=0)
    largest += np.abs(head.bias).max(initial=0)
    if largest * 2.0 ** (2 * setting.frac_bits) >= 2.0 ** (setting.bit_length - 1):
        raise ConfigError(
            f"logits up to {largest:.3g} overflow {setting.bit_length}-bit shares with "
            f"{setting.frac_bits} fraction bits",
            "lower frac_bits or raise bit_length",
        )
    run = run_job(
        "zero_shot",
        {"embeddings.npy": embeddings, "weight.npy": head.weight, "bias.npy": head.bias},
        {"n": n, "dim": dim, "classes": len(head.bias)},
        setting,
        outputs=("logits",),
    )
    return run.outputs["logits"].reshape(n, len(head.bias)), run


def joint_threshold_audit(
    scores_a: np.ndarray,
    scores_b: np.ndarray,
    threshold: float,
    limit: float,
    setting: MpcSetting | None = None,
) -> tuple[bool, MpcRun]:
    """Whether the share of both parties' scores above ``threshold`` exceeds ``limit``, computed
    on shares: party 0 inputs ``scores_a``, party 1 ``scores_b``, and only that one bit is
    opened (not the count, not a score)."""
    run = run_job(
        "audit",
        {"scores0.npy": scores_a, "scores1.npy": scores_b},
        {"sizes": [len(scores_a), len(scores_b)], "threshold": threshold, "limit": limit},
        setting or MpcSetting(),
    )
    answers = {bool(p["exceeds"]) for p in run.parties}
    if len(answers) != 1:
        raise RuntimeError(f"MPC parties disagree on the audit's answer: {run.parties}")
    return answers.pop(), run
