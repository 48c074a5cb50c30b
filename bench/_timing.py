"""Fair timing for the benchmarks: every side warmed, repeats interleaved in alternating order
(a burst of load hits both sides alike), min and median per side, and the load average at
start and end so a reader can judge the machine. Benches import ``compare`` and ``load``."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


def load() -> float:
    """The one-minute load average (what else the machine is running)."""
    return round(os.getloadavg()[0], 2)


@dataclass(frozen=True)
class Comparison:
    """Seconds of every run per side, what each run returned, and the load around them."""

    seconds: dict[str, list[float]]
    values: dict[str, list[Any]]
    load_start: float
    load_end: float

    def best(self, name: str) -> float:
        return min(self.seconds[name])

    def summary(self) -> dict[str, Any]:
        """JSON-ready: min/median/runs per side, the first side's min seconds over each other
        side's (``seconds_ratios``, ``a/b``: below 1, ``a`` is faster), and the load at start
        and end. Measured in this one run."""
        names = list(self.seconds)
        out: dict[str, Any] = {
            name: {
                "min_s": round(min(times), 4),
                "median_s": round(statistics.median(times), 4),
                "runs_s": [round(t, 4) for t in times],
            }
            for name, times in self.seconds.items()
        }
        out["seconds_ratios"] = {
            f"{names[0]}/{other}": round(self.best(names[0]) / self.best(other), 3)
            for other in names[1:]
        }
        out["load_start"], out["load_end"] = self.load_start, self.load_end
        return out


def compare(
    sides: Mapping[str, Callable[[], Any]],
    repeats: int = 3,
    warmup: bool = True,
    timer: Callable[[Any], float] | None = None,
) -> Comparison:
    """Call each named side ``repeats`` times, interleaved, order reversed every round, after
    one untimed warm-up call each (``warmup=False`` where every call is a fresh process that
    pays its own start-up anyway). A run's seconds are its wall time, or ``timer(returned)``
    where the side times itself (e.g. inside a child process, leaving out the spawn)."""
    if repeats < 3:
        raise ValueError("fair timing needs at least 3 interleaved repeats")
    load_start = load()
    names = list(sides)
    if warmup:
        for name in names:
            sides[name]()
    seconds: dict[str, list[float]] = {name: [] for name in names}
    values: dict[str, list[Any]] = {name: [] for name in names}
    for repeat in range(repeats):
        for name in names if repeat % 2 == 0 else names[::-1]:
            start = time.perf_counter()
            value = sides[name]()
            wall = time.perf_counter() - start
            seconds[name].append(timer(value) if timer is not None else wall)
            values[name].append(value)
    return Comparison(seconds, values, load_start, load())
