"""glibc malloc settings (src/vlmtrust/core/allocator.py) on a whole zoo:clip scan: each run is a
fresh `vlmtrust scan` process into an empty output directory, with glibc's defaults
(VLMTRUST_MALLOC_TUNING=0), with our mallopt tuning (the default), and with glibc's own
MALLOC_*_ variables set to the same values (what a re-exec would do). Repeats are interleaved
(bench/_timing.py). Prints one JSON line: per side the min over repeats of wall, user and
system seconds and minor page faults (resource.getrusage of the child), and ratios to the
defaults. Usage: python bench/allocator.py [n]  (world scenes; default 200, x5 conditions)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _timing import compare
from vlmtrust.core.allocator import MMAP_THRESHOLD, TRIM_THRESHOLD

SCAN = "from vlmtrust.cli.main import main; main()"
SIDES = {
    "defaults": {"VLMTRUST_MALLOC_TUNING": "0"},
    "mallopt": {},
    "glibc_env": {
        "MALLOC_MMAP_THRESHOLD_": str(MMAP_THRESHOLD),
        "MALLOC_TRIM_THRESHOLD_": str(TRIM_THRESHOLD),
    },
}


def scan(env: dict[str, str], n: int, root: Path) -> dict[str, float]:
    """One fresh scan process; its own resource use, from the children's rusage delta."""
    out = Path(tempfile.mkdtemp(dir=root))
    clean = {
        k: v for k, v in os.environ.items() if k not in (*SIDES["glibc_env"], *SIDES["defaults"])
    }
    task = f"robustness.zero_shot:n={n}"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-c",
            SCAN,
            "scan",
            "--model",
            "zoo:clip",
            "--task",
            task,
            "--out",
            str(out / "run"),
            "--quiet",
        ],
        env={**clean, **env},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "wall_s": wall,
        "user_s": after.ru_utime - before.ru_utime,
        "sys_s": after.ru_stime - before.ru_stime,
        "minor_faults": after.ru_minflt - before.ru_minflt,
    }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        # every run is a fresh process, so there is nothing to warm but the page cache: one
        # untimed scan does that for all sides
        scan({}, n, root)
        timed = compare(
            {name: (lambda env=env: scan(env, n, root)) for name, env in SIDES.items()},
            repeats=3,
            warmup=False,
            timer=lambda r: r["wall_s"],
        )
    best: dict[str, dict[str, Any]] = {
        name: {
            field: round(min(run[field] for run in runs), 3)
            for field in ("wall_s", "user_s", "sys_s", "minor_faults")
        }
        for name, runs in timed.values.items()
    }
    base = best["defaults"]
    print(
        json.dumps(
            {
                "bench": "allocator",
                "scan": f"zoo:clip robustness.zero_shot n={n} ({5 * n} results)",
                "repeats": 3,
                "min_over_repeats": best,
                "ratio_to_defaults": {
                    name: {f: round(v / base[f], 3) if base[f] else None for f, v in side.items()}
                    for name, side in best.items()
                    if name != "defaults"
                },
                "load_start": timed.load_start,
                "load_end": timed.load_end,
            }
        )
    )


if __name__ == "__main__":
    main()
