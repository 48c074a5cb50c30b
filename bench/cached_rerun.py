"""Cached re-run: a `robustness.zero_shot` scan on zoo:clip, its first run vs a fully cached
re-run into the same directory (goal: the re-run in 2 s or less at 10k samples), and the peak
RSS of a scan at growing sample counts (goal: within 10% of the smallest).

Timing: the first run is timed once (it takes minutes at 10k, so one run's noise is small next to
it, and each first run needs a fresh directory); it also warms the re-run side, which then runs
at least 3 times (min/median, bench/_timing.py conventions); the ratio is re-run min over first.
Memory: each count runs in a fresh child process (its peak RSS: VmHWM, not `ru_maxrss`),
a first run (clean condition only, so the model's cost does not dominate) and then a cached
re-run of it, each in its own child. Prints one JSON line with the load average.

Run with `PYTHONPATH=src python bench/cached_rerun.py [N] [MEMORY_COUNTS]`, e.g.
`bench/cached_rerun.py 10000 1000,10000,100000` (defaults 10000 and 1000,10000; 100k takes
tens of minutes on 2 quiet cores, hours under load). One count alone: `--child N DIR` prints the
peak of a scan into DIR (a first run; the same command again, a cached re-run).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

from _timing import load

REPEATS = 3


def _config(n: int, out: Path, corruptions: bool = True):  # type: ignore[no-untyped-def]
    from vlmtrust.core.config import RunConfig
    from vlmtrust.core.spec import Spec

    params: dict[str, object] = {"n": n} if corruptions else {"n": n, "corruptions": []}
    return RunConfig(
        model="zoo:clip",
        tasks=(Spec(name="robustness.zero_shot", params=params),),
        out=out,
        show_progress=False,
    )


def _scan(n: int, out: Path, corruptions: bool = True) -> tuple[float, int, int]:
    from vlmtrust.runner import run

    start = time.perf_counter()
    summary = run(_config(n, out, corruptions))
    return time.perf_counter() - start, summary.executed, summary.model_calls


def timing(n: int, root: Path) -> dict[str, object]:
    out = root / "timed"
    first_s, executed, _ = _scan(n, out)
    reruns = []
    for _ in range(REPEATS):
        seconds, rerun_executed, calls = _scan(n, out)
        if rerun_executed or calls:
            raise RuntimeError("the re-run was not fully cached")
        reruns.append(seconds)
    return {
        "samples": n,
        "results": executed,
        "first_run_s": round(first_s, 2),
        "cached_rerun": {
            "min_s": round(min(reruns), 3),
            "median_s": round(statistics.median(reruns), 3),
            "runs_s": [round(s, 3) for s in reruns],
        },
        "ratio_rerun_to_first": round(min(reruns) / first_s, 4),
    }


def child(n: int, out: str) -> None:
    """One clean-only scan in this process; prints its peak RSS (MiB) and seconds."""
    seconds, executed, _ = _scan(n, Path(out), corruptions=False)
    peak_kib = _high_water_kib()
    print(
        json.dumps({"peak_mib": round(peak_kib / 1024, 1), "s": round(seconds, 1), "ran": executed})
    )


def _high_water_kib() -> int:
    """This process's peak RSS. VmHWM belongs to the address space exec made, where
    ``ru_maxrss`` keeps the forking parent's peak across exec (the bench's own timing runs made
    every child read the same 809.5 MiB)."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


def _in_child(n: int, out: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", str(n), str(out)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    found: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def memory(counts: list[int], root: Path) -> dict[str, object]:
    first = {n: _in_child(n, root / f"mem-{n}") for n in counts}
    again = {n: _in_child(n, root / f"mem-{n}") for n in counts}
    base_first, base_again = first[counts[0]]["peak_mib"], again[counts[0]]["peak_mib"]
    return {
        "samples": counts,
        "first_run_peak_mib": [first[n]["peak_mib"] for n in counts],
        "first_run_ratio_to_smallest": [
            round(first[n]["peak_mib"] / base_first, 3) for n in counts
        ],
        "first_run_s": [first[n]["s"] for n in counts],
        "cached_rerun_peak_mib": [again[n]["peak_mib"] for n in counts],
        "cached_rerun_ratio_to_smallest": [
            round(again[n]["peak_mib"] / base_again, 3) for n in counts
        ],
        "cached_rerun_s": [again[n]["s"] for n in counts],
    }


def main(n: int, counts: list[int]) -> None:
    load_start = load()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        timed = timing(n, root)
        peaks = memory(counts, root)
    print(
        json.dumps(
            {
                "bench": "cached_rerun",
                "model": "zoo:clip",
                "task": "robustness.zero_shot (default corruptions for timing, clean for memory)",
                "timing": timed,
                "memory": peaks,
                "load_start": load_start,
                "load_end": load(),
            }
        )
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(int(sys.argv[2]), sys.argv[3])
    else:
        size = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
        counts = [int(c) for c in sys.argv[2].split(",")] if len(sys.argv) > 2 else [1000, 10000]
        main(size, counts)
