"""Runner overhead: a scan through the runner (planning, cache keys, SQLite store on disk,
aggregation) vs a bare loop calling the same model on the same attacked samples in the same
batches, both warmed and timed in interleaved repeats (bench/_timing.py; each runner repeat
writes a fresh store, so nothing is reused). Prints one JSON line; the ratio is what to watch
(target: overhead under 10%).
Run with `make bench` (it puts tests/support, home of tiny_models, on the path)."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

from tiny_models import build_tiny_clip

from _timing import compare
from vlmtrust.attacks.base import build_attack
from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.models.base import resolve_model
from vlmtrust.runner import run
from vlmtrust.tasks.base import build_task

N_SAMPLES = 200
BATCH = 32
TASK = Spec(name="robustness.zero_shot", params={"n": N_SAMPLES})


def bare_loop(model_dir: Path) -> tuple[float, int]:
    """What a user would write by hand: generate, attack, classify, count correct."""
    start = time.perf_counter()
    model = resolve_model(f"hf:{model_dir}").load()
    samples = world.generate(0, N_SAMPLES)
    task = build_task(TASK).resolve(samples)
    prompts = [f"a photo of a {c}." for c in world.SHAPES]
    correct = 0
    for condition in task.conditions():
        attack = build_attack(condition)
        attacked = [attack.apply(s) for s in samples]
        for i in range(0, len(attacked), BATCH):
            batch = attacked[i : i + BATCH]
            logits = model.classify([s.load_image() for s in batch], prompts)
            truth = [world.SHAPES.index(str(s.labels["shape"])) for s in batch]
            correct += int((logits.argmax(axis=1) == truth).sum())
    return time.perf_counter() - start, correct


def through_runner(model_dir: Path, out: Path) -> tuple[float, int]:
    start = time.perf_counter()
    config = RunConfig(
        model=f"hf:{model_dir}", tasks=(TASK,), out=out, batch_size=BATCH, show_progress=False
    )
    summary = run(config)
    elapsed = time.perf_counter() - start
    correct = sum(
        round((row.value or 0) * row.n) for row in summary.metrics if row.metric == "accuracy"
    )
    return elapsed, correct


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        # A model with real compute per image (~ViT-Ti width at 96 px), so the ratio reflects
        # a realistic balance of model time and bookkeeping; a 32-d toy would exaggerate it.
        model_dir = build_tiny_clip(root / "model", image_size=96, width=192, layers=6)
        outs = iter(range(1000))
        timed = compare(
            {
                "runner": lambda: through_runner(model_dir, root / f"run{next(outs)}"),
                "bare": lambda: bare_loop(model_dir),
            },
            repeats=3,
            timer=lambda measured: measured[0],
        )
        correct = {name: {c for _, c in values} for name, values in timed.values.items()}
        assert correct["bare"] == correct["runner"] and len(correct["bare"]) == 1, correct
        bare, runner = timed.best("bare"), timed.best("runner")
        print(
            json.dumps(
                {
                    "bench": "runner_overhead",
                    "results": N_SAMPLES * len(build_task(TASK).conditions()),
                    "batch_size": BATCH,
                    "bare_loop_s": round(bare, 3),
                    "runner_s": round(runner, 3),
                    "ratio": round(runner / bare, 3),
                    "overhead_pct": round(100 * (runner / bare - 1), 1),
                    **timed.summary(),
                }
            )
        )


if __name__ == "__main__":
    main()
