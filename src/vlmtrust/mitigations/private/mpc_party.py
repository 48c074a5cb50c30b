"""One MPyC party of a vlmtrust job, run as its own process (``python mpc_party.py -M3 -I i
-P 127.0.0.1:PORT ...``) by :mod:`vlmtrust.mitigations.private.mpc`. Standalone on purpose (no
vlmtrust import): each party reads only its own inputs from the job folder named by the
environment variable VLMTRUST_MPC_JOB and writes only its own result file there.

Jobs (``job.json``'s ``kind``):
- ``zero_shot``: party 0 (the client) inputs its image embeddings, party 1 (the server) the head
  (weight, bias); the logits ``E @ W.T + b`` are computed on secret shares in fixed point
  (scaled secure integers) and opened to party 0 alone. Party 2 holds no input: it makes the
  honest majority.
- ``audit``: parties 0 and 1 each input their own membership scores; the count above a public
  threshold is computed on shares and only whether it exceeds ``limit`` times the total count
  is opened, to every party.
Every party writes ``party<i>.json``: the bytes it sent and its seconds from start to output.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from mpyc.runtime import mpc


def _own(job: Path, name: str, shape: tuple[int, ...], owner: int, scale: int) -> np.ndarray:
    """The owner's array from the job folder as fixed-point integers (times 2^``scale``);
    zeros of the public shape for the others."""
    if mpc.pid == owner:
        values = np.asarray(np.load(job / name), dtype=np.float64).reshape(shape)
        return np.round(values * 2.0**scale).astype(np.int64)
    return np.zeros(shape, dtype=np.int64)


async def zero_shot(job: Path, spec: dict[str, Any]) -> dict[str, Any]:
    """Fixed point as scaled integers: inputs carry ``frac_bits`` fraction bits, products and
    the bias ``2 * frac_bits``; the integer matrix product on shares is exact, so the only
    error is the inputs' rounding (MPyC's SecFxp array product truncates, which this skips)."""
    n, d, k, f = spec["n"], spec["dim"], spec["classes"], spec["frac_bits"]
    secint = mpc.SecInt(spec["bit_length"])
    embeddings = mpc.input(secint.array(_own(job, "embeddings.npy", (n, d), 0, f)), senders=0)
    weight = mpc.input(secint.array(_own(job, "weight.npy", (k, d), 1, f)), senders=1)
    bias = mpc.input(secint.array(_own(job, "bias.npy", (k,), 1, 2 * f)), senders=1)
    logits = embeddings @ weight.T + bias
    opened = await mpc.output(logits, receivers=[0])
    if mpc.pid == 0:
        scaled = np.asarray(opened, dtype=object).astype(np.float64) / 2.0 ** (2 * f)
        np.save(job / "logits.npy", scaled)
    return {}


async def audit(job: Path, spec: dict[str, Any]) -> dict[str, Any]:
    f = spec["frac_bits"]
    secint = mpc.SecInt(spec["bit_length"])
    sizes = spec["sizes"]
    threshold = round(spec["threshold"] * 2**f)
    above = []
    for owner in (0, 1):
        mine = mpc.input(
            secint.array(_own(job, f"scores{owner}.npy", (sizes[owner],), owner, f)),
            senders=owner,
        )
        above += list(mine > threshold)
    # count > limit * total, with limit * total public: compared on shares, one bit opened
    exceeds = await mpc.output(mpc.sum(above) > math.floor(spec["limit"] * sum(sizes)))
    return {"exceeds": bool(exceeds)}


JOBS = {"zero_shot": zero_shot, "audit": audit}


async def main() -> None:
    job = Path(os.environ["VLMTRUST_MPC_JOB"])
    spec = json.loads((job / "job.json").read_text())
    await mpc.start()
    start = time.perf_counter()
    result = await JOBS[spec["kind"]](job, spec)
    seconds = time.perf_counter() - start
    sent = sum(p.protocol.nbytes_sent for p in mpc.parties if p.pid != mpc.pid)
    await mpc.shutdown()
    out = {"party": mpc.pid, "bytes_sent": sent, "seconds": seconds, **result}
    (job / f"party{mpc.pid}.json").write_text(json.dumps(out))


if __name__ == "__main__":
    mpc.run(main())
    sys.exit(0)
