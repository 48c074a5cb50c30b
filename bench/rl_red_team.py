"""RL red teaming vs the bandit at the same query budget (issue 25's acceptance): both searches
against zoo:assistant behind ``guard``, over several seeds, on the same probes. Per seed: probes
broken, distinct successful attacks (the bandit's arms mapped to the policy's compositions) and
their diversity; over seeds: means with bootstrap 95% intervals and the RL - bandit difference
of distinct successes with its own interval. Prints one JSON line.

    PYTHONPATH=src python bench/rl_red_team.py --budget 48 --limit 8 --seeds 5
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime

import numpy as np

from _timing import load
from vlmtrust.core.spec import Spec, parse_spec
from vlmtrust.metrics.calibration import mean_estimate
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.models.base import resolve_model
from vlmtrust.tasks.base import DataContext, build_task
from vlmtrust.tasks.safety.attack_policy import (
    bandit_successes,
    distinct_estimate,
    diversity_estimate,
)


def campaign(name: str, model: object, budget: int, limit: int, seed: int) -> dict[str, object]:
    """One campaign's broken probes, queries, distinct successes and diversity."""
    task = build_task(Spec(name=name, params={"budget": budget, "seed": seed}))
    (sample,) = task.samples(DataContext(seed=0, limit=limit))
    (score,) = task.score(model, [sample])[0]
    d = score.details
    judged = int(d["probes"]) - int(d.get("unscorable_probes", 0))
    if name == "safety.red_team":
        found = bandit_successes(d["broken_by"], task.params.arms)  # type: ignore[attr-defined]
    else:
        found = {p: [tuple(c) for c in cs] for p, cs in d["successes"].items()}
    distinct, diversity = distinct_estimate(found, judged), diversity_estimate(found, judged)
    return {
        "broken": int(score.value or 0),
        "probes": judged,
        "queries": int(d["queries"]),
        "distinct": distinct.value,
        "distinct_ci": [distinct.ci_low, distinct.ci_high],
        "diversity": diversity.value,
        # the stricter count: distinct attacks among each probe's first break only
        "distinct_first_breaks": len(set(d["broken_by"].values())),
        # how fast: queries until every probe was broken (None: not within the budget)
        "queries_to_break_all": next(
            (x for x, y in zip(d["curve"]["x"], d["curve"]["y"], strict=True) if y == 1.0), None
        ),
    }


def interval(values: list[float]) -> dict[str, object]:
    est = mean_estimate(values, unit="seeds")
    return {"mean": est.value, "ci": [est.ci_low, est.ci_high], "n": est.n}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=int, default=48)
    parser.add_argument("--limit", type=int, default=8)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    start_load, started = load(), time.perf_counter()
    model = build_mitigation(parse_spec("guard")).wrap(resolve_model("zoo:assistant").load())
    runs: dict[str, list[dict[str, object]]] = {"safety.rl_red_team": [], "safety.red_team": []}
    for seed in range(args.seeds):
        for name in runs:
            runs[name].append(campaign(name, model, args.budget, args.limit, seed))
    out: dict[str, object] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": "zoo:assistant+guard",
        "budget": args.budget,
        "probes": args.limit,
        "seeds": args.seeds,
        "load_start": start_load,
    }
    for name, rows in runs.items():
        out[name] = {
            "per_seed": rows,
            "broken_rate": interval([r["broken"] / r["probes"] for r in rows]),  # type: ignore[operator]
            "distinct": interval([float(r["distinct"] or 0) for r in rows]),  # type: ignore[arg-type]
            "distinct_first_breaks": interval(
                [float(r["distinct_first_breaks"]) for r in rows]  # type: ignore[arg-type]
            ),
            "diversity": interval(
                [float(r["diversity"]) for r in rows if r["diversity"] is not None]  # type: ignore[arg-type]
            ),
        }
    diff = [
        float(a["distinct"] or 0) - float(b["distinct"] or 0)  # type: ignore[arg-type]
        for a, b in zip(runs["safety.rl_red_team"], runs["safety.red_team"], strict=True)
    ]
    out["distinct_rl_minus_bandit"] = interval(diff)
    out["seconds"] = round(time.perf_counter() - started, 1)
    out["load_end"] = load()
    print(json.dumps(out))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
