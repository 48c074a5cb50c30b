"""Report size and speed at scale: a store holding 10,000 sample results (written through the
real store API: results, metric rows with plot details, gallery examples with world-scene
images), rendered to HTML. Prints one JSON line; budgets are 5 s and 5 MB (ratios < 1 pass).
Wall seconds depend on what else the machine runs, so CPU seconds and the load are printed too."""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
from pathlib import Path

from _timing import load
from vlmtrust.core.records import MetricRow, Score
from vlmtrust.data import world
from vlmtrust.report.build import ReportFormat, build_report
from vlmtrust.store import ResultStore, StoredExample, StoredResult

N_RESULTS = 10_000
TASKS = (
    "robustness.zero_shot",
    "robustness.calibration",
    "fairness.retrieval_skew",
    "safety.jailbreak",
)
ATTACKS = ("none", "corruption.jpeg", "corruption.contrast", "typographic", "figstep")
MITIGATIONS = ("none", "guard")
SECONDS_BUDGET = 5.0
BYTES_BUDGET = 5_000_000


def _details(rng: random.Random, task: str) -> dict[str, object]:
    """Plot data of the documented shapes (report/plots.py), as tasks would store them."""
    if task == "robustness.calibration":
        bins = [
            {
                "low": i / 15,
                "high": (i + 1) / 15,
                "count": 10,
                "confidence": (i + 0.5) / 15,
                "accuracy": rng.random(),
            }
            for i in range(15)
        ]
        return {"reliability": bins, "n_unscorable": 0}
    if task == "fairness.retrieval_skew":
        queries = {f"a photo of a {o}": _estimate(rng) for o in ("doctor", "nurse", "pilot")}
        return {"by_query": queries, "by_group": {"A": _estimate(rng), "B": _estimate(rng)}}
    if task == "safety.jailbreak":
        return {"by_category": {c: _estimate(rng) for c in ("weapons", "fraud", "malware")}}
    return {"n_unscorable": 0}


def _estimate(rng: random.Random) -> dict[str, float | int]:
    value = rng.random()
    return {"value": value, "ci_low": max(0, value - 0.1), "ci_high": min(1, value + 0.1), "n": 50}


def build_store(run_dir: Path) -> int:
    rng = random.Random(0)
    conditions = [(t, a, m) for t in TASKS for a in ATTACKS for m in MITIGATIONS]
    per_condition = N_RESULTS // len(conditions)
    scenes = world.generate(0, 12)
    examples: list[StoredExample] = []
    rows: list[MetricRow] = []
    with ResultStore.in_dir(run_dir) as store:
        store.start_run("bench", {"model": {"spec": "bench", "name": "bench", "fingerprint": "0"}})
        for task, attack, mitigation in conditions:
            results = []
            for i in range(per_condition):
                sid = f"s{i}"
                score = (
                    Score.cannot_score(sid, "correct", "empty answer")
                    if rng.random() < 0.02
                    else Score(sample_id=sid, metric="correct", value=float(rng.random() < 0.7))
                )
                key = f"{task}|{attack}|{mitigation}|{sid}"
                results.append(
                    StoredResult(
                        key=key,
                        task=task,
                        attack=attack,
                        mitigation=mitigation,
                        model="bench",
                        sample_id=sid,
                        scores=(score,),
                    )
                )
            store.append(results)
            for metric in ("accuracy", "asr", "refusal_rate", "maxskew@10"):
                value = rng.random()
                rows.append(
                    MetricRow(
                        task=task,
                        attack=attack,
                        mitigation=mitigation,
                        metric=metric,
                        value=value,
                        ci_low=max(0, value - 0.05),
                        ci_high=min(1, value + 0.05),
                        n=per_condition,
                        model="bench",
                        details=_details(rng, task),
                    )
                )
            for i in range(3):
                scene = scenes[rng.randrange(len(scenes))]
                examples.append(
                    StoredExample(
                        task=task,
                        attack=attack,
                        mitigation=mitigation,
                        model="bench",
                        sample_id=f"s{i}",
                        image=scene.image,
                        prompt="what is shown?",
                        response="a red circle " * 20,
                        metric="correct",
                        value=0.0,
                        label="wrong",
                        reason="names the wrong shape",
                    )
                )
        store.replace_metrics(rows)
        store.replace_examples(examples)
        store.finish_run("bench", "complete", {"planned": N_RESULTS})
        return store.count_results()


def main() -> None:
    load_start = load()
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp)
        stored = build_store(run_dir)
        start, cpu_start = time.perf_counter(), time.process_time()
        html, _ = build_report([run_dir], ReportFormat.html)  # includes importing matplotlib
        out = run_dir / "report.html"
        out.write_text(html, encoding="utf-8")
        seconds = time.perf_counter() - start
        cpu_seconds = time.process_time() - cpu_start
        size = out.stat().st_size
    print(
        json.dumps(
            {
                "bench": "report_size",
                "sample_results": stored,
                "render_seconds": round(seconds, 3),
                "render_cpu_seconds": round(cpu_seconds, 3),
                "load_average": round(os.getloadavg()[0], 1),
                "load_start": load_start,
                "load_end": load(),
                "bytes": size,
                "seconds_ratio": round(seconds / SECONDS_BUDGET, 3),
                "bytes_ratio": round(size / BYTES_BUDGET, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
