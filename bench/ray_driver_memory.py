"""Ray driver memory: peak RSS of the driver process (``resource.getrusage``, this process only,
Ray's own processes excluded) of a Ray scan at a small and a large sample count, and their
ratio; the local executor's peak at the same counts beside it, so what Ray itself adds is
apart from what the plan holds (the runner plans every sample before it runs any).

Each scan runs in a fresh child process (peak RSS only ever grows). The task is cheap: a tiny
CLIP scoring clean world scenes. Prints one JSON line. Run with `make bench` or
`PYTHONPATH=src:tests/support python bench/ray_driver_memory.py [SMALL LARGE]` (needs the
ray extra; defaults 1000 and 20000).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

BATCH = 64
EXECUTORS = {
    "ray": {"name": "ray", "params": {"workers": 2, "cpus": 1}},
    "local": {"name": "local"},
}


def child(model_dir: str, samples: int, executor: str, out: str) -> None:
    """One scan in this process; prints its peak RSS in MiB and its wall seconds."""
    from vlmtrust.core.config import RunConfig
    from vlmtrust.core.spec import Spec, parse_spec
    from vlmtrust.runner import run

    config = RunConfig(
        model=f"hf:{model_dir}",
        tasks=(parse_spec(f"robustness.zero_shot:n={samples},corruptions=[]"),),
        out=Path(out),
        batch_size=BATCH,
        executor=Spec.model_validate(EXECUTORS[executor]),
        show_progress=False,
    )
    start = time.perf_counter()
    summary = run(config)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        json.dumps(
            {
                "peak_mib": round(peak_kib / 1024, 1),
                "seconds": round(time.perf_counter() - start, 1),
                "results": summary.executed,
            }
        )
    )


def measure(model_dir: Path, samples: int, executor: str, out: Path) -> dict[str, float]:
    command = [
        sys.executable,
        __file__,
        "--child",
        str(model_dir),
        str(samples),
        executor,
        str(out),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(small: int, large: int) -> None:
    from tiny_models import build_tiny_clip

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model_dir = build_tiny_clip(root / "model")
        found = {
            (executor, n): measure(model_dir, n, executor, root / f"{executor}-{n}")
            for executor in ("ray", "local")
            for n in (small, large)
        }
    ray_small, ray_large = found["ray", small], found["ray", large]
    local_small, local_large = found["local", small], found["local", large]
    print(
        json.dumps(
            {
                "bench": "ray_driver_memory",
                "model": "tiny CLIP (32-d, tests/support/tiny_models.py)",
                "task": "robustness.zero_shot, clean scenes only",
                "batch_size": BATCH,
                "samples": [small, large],
                "ray_peak_driver_mib": [ray_small["peak_mib"], ray_large["peak_mib"]],
                "ray_ratio_large_to_small": round(ray_large["peak_mib"] / ray_small["peak_mib"], 3),
                "local_peak_mib": [local_small["peak_mib"], local_large["peak_mib"]],
                "local_ratio_large_to_small": round(
                    local_large["peak_mib"] / local_small["peak_mib"], 3
                ),
                "ray_minus_local_mib": [
                    round(ray_small["peak_mib"] - local_small["peak_mib"], 1),
                    round(ray_large["peak_mib"] - local_large["peak_mib"], 1),
                ],
                "seconds": {f"{e}-{n}": r["seconds"] for (e, n), r in found.items()},
                "load_average_1m": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
    else:
        sizes = [int(a) for a in sys.argv[1:3]] or [1000, 20000]
        main(sizes[0], sizes[1])
