"""A pillar suite on a real-size model: a randomly initialised CLIP with the real ViT-B/32
shape (built as ``bench/real_size.py`` does), ``--suite robustness --limit 50`` (or
``--suite privacy``, ``safety``) with the expensive tasks (``robustness.backdoor_scan``,
``privacy.gradient_inversion``, LiRA's shadows) at their automatic budgets: by default a work
budget in FLOPs (the same cut on any machine), or a wall-time budget with ``--budget-s``
(issue 27: goal under 15 minutes on CPU).

Each task of the suite runs as its own scan into one run directory, one after another in this
process, so every task's wall time is its own (the model is loaded once per task, as a scan
does). Prints one JSON line: seconds per task, the total, the goal, each task's cut (what it
ran against what the full plan was estimated to take; ``none`` when it fitted) and the load
average before and after. Random weights: the numbers are chance, the cost is real.

    PYTHONPATH=tests/support python bench/real_size_suite.py [--suite robustness] [--limit 50]
        [--budget-s S]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

sys.path.insert(0, str(Path(__file__).parent))
from real_size import build

GOAL_S = 15 * 60
#: the tasks that cut their work to a budget (issue 27)
BUDGETED = ("robustness.backdoor_scan", "privacy.gradient_inversion", "privacy.membership")


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def suite_tasks(model: str, pillar: str) -> list[str]:
    """The tasks ``--suite PILLAR`` runs on ``model``."""
    from vlmtrust.models.base import resolve_model
    from vlmtrust.tasks.suite import suite_specs

    specs, _ = suite_specs([pillar], resolve_model(model).capabilities)
    return [s.name for s in specs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="robustness", help="the pillar whose suite runs")
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument(
        "--budget-s", type=float, default=None, help="default: each task's work budget"
    )
    parser.add_argument("--only", default=None, help="comma-separated tasks (default: the suite)")
    args = parser.parse_args()

    from rich.console import Console

    from vlmtrust.core.config import RunConfig
    from vlmtrust.runner import run

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        model = f"hf:{build(Path(tmp) / 'clip', 'ViT-B/32')}"
        tasks = args.only.split(",") if args.only else suite_tasks(model, args.suite)
        # the budgeted scans first: a failure there shows before the rest has run
        tasks.sort(key=lambda name: name not in BUDGETED)
        seconds: dict[str, float] = {}
        cpu: dict[str, float] = {}
        cut: dict[str, Any] = {}
        for name in tasks:
            start, cpu_start = time.perf_counter(), _cpu_s()
            summary = run(
                RunConfig(
                    model=model,
                    suite=(name,),
                    out=Path(tmp) / "run",
                    limit=args.limit,
                    budget_s=args.budget_s,
                    show_progress=False,
                ),
                console=Console(file=sys.stderr),  # the budget lines a user sees; stdout: JSON
            )
            seconds[name] = round(time.perf_counter() - start, 1)
            cpu[name] = round(_cpu_s() - cpu_start, 1)
            print(f"{name}: {seconds[name]} s, {cpu[name]} CPU s", file=sys.stderr, flush=True)
            for row in summary.metrics:
                if "cut" in row.details:
                    cut[name] = row.details["cut"]
            if name in BUDGETED:
                cut.setdefault(name, "none: the full plan fitted")
    total = round(sum(seconds.values()), 1)
    backdoor = cut.get("robustness.backdoor_scan")
    # the time rule's estimate is in seconds (comparable with the wall time); the work rule's
    # is FLOPs: printed in the cut, not as a ratio
    timed = isinstance(backdoor, dict) and backdoor.get("rule") == "time"
    estimate = backdoor.get("full_estimate") if timed and isinstance(backdoor, dict) else None
    print(
        json.dumps(
            {
                "bench": "real_size_suite",
                "model": "ViT-B/32 shape, random weights, float32, cpu",
                "suite": args.suite,
                "limit": args.limit,
                "budget_s": args.budget_s,
                "seconds": seconds,
                # user + system seconds of this process (all threads): on a shared machine the
                # wall time follows the load, this much less
                "cpu_s": cpu,
                "total_s": total,
                "goal_s": GOAL_S,
                "ratio": round(total / GOAL_S, 3),
                "backdoor_full_estimate_over_measured": (
                    round(estimate / seconds["robustness.backdoor_scan"], 2) if estimate else None
                ),
                "cut": cut,
                "load_before": [round(x, 2) for x in load_before],
                "load_after": [round(x, 2) for x in os.getloadavg()],
                "cpu": platform.processor() or platform.machine(),
                "cores": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
