"""bench/_timing.py, the benchmarks' shared timer: warm-up first, repeats interleaved in
alternating order, every run's value kept. Nothing here asserts a duration."""

import importlib.util
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "bench_timing", Path(__file__).parents[2] / "bench" / "_timing.py"
)
assert _spec is not None and _spec.loader is not None
timing = importlib.util.module_from_spec(_spec)
sys.modules["bench_timing"] = timing  # dataclasses look their module up
_spec.loader.exec_module(timing)


def test_sides_are_warmed_then_interleaved_in_alternating_order():
    calls: list[str] = []
    timed = timing.compare(
        {"a": lambda: calls.append("a") or "A", "b": lambda: calls.append("b") or "B"},
        repeats=4,
    )
    assert calls == ["a", "b", "a", "b", "b", "a", "a", "b", "b", "a"]
    assert timed.values == {"a": ["A"] * 4, "b": ["B"] * 4}
    summary = timed.summary()
    assert set(summary) == {"a", "b", "seconds_ratios", "load_start", "load_end"}
    assert list(summary["seconds_ratios"]) == ["a/b"] and len(summary["a"]["runs_s"]) == 4


def test_a_side_that_times_itself_is_recorded_as_it_says():
    seconds = iter([3.0, 1.0, 2.0])
    timed = timing.compare({"x": lambda: next(seconds)}, warmup=False, timer=float)
    assert timed.seconds == {"x": [3.0, 1.0, 2.0]}
    assert timed.summary()["x"]["min_s"] == 1.0 and timed.summary()["x"]["median_s"] == 2.0


def test_fewer_than_three_repeats_is_refused():
    with pytest.raises(ValueError, match="at least 3"):
        timing.compare({"x": lambda: None}, repeats=2)
