"""One budget rule for every expensive task (issue 27): how many units of work (a gradient
step, a model query, a shadow model) fit a task's budget, and the record of what was cut.

Why one module: the trigger scan, gradient inversion, red teaming and LiRA's shadows all face
the same question (the full plan costs ``units x cost``; does it fit?), and a user reading
``details["cut"]`` or the runner's ``budget`` line should see the same fields whichever task cut.

Two rules, as in :mod:`vlmtrust.attacks.inversion_budget`:

- **work** (the default): the cost of a unit is counted, not timed (FLOPs with
  ``torch.utils.flop_counter``, or queries), so the same model is cut the same way on any
  machine and under any load; the default budget (:data:`DEFAULT_WORK_FLOPS`) fits every zoo
  model, so zoo results (and the goldens) do not change.
- **time** (opt-in, ``--budget-s``): the cost is measured seconds, and a deadline also stops a
  loop when its share of the time is spent.

A plan that fits runs exactly as it always did: only when the full plan exceeds the budget are
units cut (never below ``minimum``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from pydantic import Field

from vlmtrust.core.spec import Params

#: the default work budget of one scan, in FLOPs (forward + backward as counted by
#: ``torch.utils.flop_counter``): every zoo model's default plan fits (see inversion_budget for
#: the trigger scan's counted costs; docs/performance.md for the other tasks')
DEFAULT_WORK_FLOPS = 2e13

Rule = Literal["work", "time"]
#: the unit each rule's costs and budgets are in
UNITS: dict[str, str] = {"work": "FLOPs", "time": "s"}


class BudgetParams(Params):
    """The budget fields of every expensive task, declared once so they read the same in
    ``vlmtrust list`` and on the command line whichever task takes them."""

    budget_flops: float = Field(
        default=DEFAULT_WORK_FLOPS,
        gt=0,
        description="work the task may do, in FLOPs as torch.utils.flop_counter counts them "
        "(one unit of its work counted once: a step, a query, a shadow): when the full plan "
        "would do more, units are cut (docs/performance.md says which); the same cut on any "
        "machine (every zoo model fits)",
    )
    budget_s: float | None = Field(
        default=None,
        gt=0,
        description="opt-in wall-time budget in seconds (--budget-s); when given it replaces "
        "budget_flops: the cut follows a unit's measured time and a deadline ends the loop "
        "when its share is spent",
    )


class EarlyStopParams(BudgetParams):
    """The budget fields of a task whose cut loop may also stop once it has converged."""

    patience: int = Field(
        default=20,
        ge=1,
        description="steps without a 1% improvement of what the loop minimises (a trigger's "
        "mask, the gradient-matching loss) that end a cut search",
    )


@dataclass(frozen=True)
class WorkBudget:
    """How many of ``planned`` units of ``what`` a task may run; ``scaled``: some were cut."""

    what: str
    planned: int
    units: int
    scaled: bool
    rule: Rule
    #: the budget, the cost of one unit and the full plan's cost, in the rule's unit
    budget: float
    cost_per_unit: float
    full_estimate: float

    def record(self) -> dict[str, Any]:
        """The plan as stored in a score's details (4 significant digits)."""
        out = asdict(self)
        for key in ("budget", "cost_per_unit", "full_estimate"):
            out[key] = float(f"{float(out[key]):.4g}")
        out["unit"] = UNITS[self.rule]
        return out


def plan_units(
    *,
    what: str,
    cost_per_unit: float,
    planned: int,
    budget: float,
    minimum: int = 1,
    rule: Rule = "work",
) -> WorkBudget:
    """All ``planned`` units when ``planned x cost_per_unit`` fits ``budget``, else as many as
    fit, never fewer than ``minimum`` (a floor under which the method says nothing)."""
    full = planned * cost_per_unit
    if full <= budget:
        return WorkBudget(what, planned, planned, False, rule, budget, cost_per_unit, full)
    fit = int(budget / max(cost_per_unit, 1e-12))
    units = max(min(minimum, planned), min(planned, fit))
    return WorkBudget(what, planned, units, True, rule, budget, cost_per_unit, full)


class _NoModules:
    """Stands in for FlopCounterMode's module tracker: only the total is read, and the tracker
    fails on a module called under ``no_grad`` with inputs that require grad (a generate loop
    over a decoder with trainable parameters; torch 2.13)."""

    parents = frozenset({"Global"})

    def __enter__(self) -> _NoModules:
        return self

    def __exit__(self, *_: object) -> None:
        return None


def count_flops(run: Callable[[], object]) -> float:
    """FLOPs ``run()`` does, as ``torch.utils.flop_counter`` counts them (the work rule's cost:
    the same on any machine; ops it does not know, such as a tokenizer, count 0)."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    counter.mod_tracker = _NoModules()  # type: ignore[assignment]
    with counter:
        run()
    return float(counter.get_total_flops())


#: the clock every measured cost and deadline reads (seconds). A seam, so a test can drive the
#: time rule with a clock that moves with the work done (tests never time anything)
clock: Callable[[], float] = time.monotonic


def now() -> float:
    """The time rule's current time (:data:`clock`)."""
    return clock()


def seconds_of(run: Callable[[], object], *, warm_up: bool = True, repeats: int = 1) -> float:
    """Seconds of ``run()``: the fastest of ``repeats`` after one untimed call when ``warm_up``
    (first calls pay allocation and kernel choice)."""
    if warm_up:
        run()
    best = float("inf")
    for _ in range(repeats):
        start = now()
        run()
        best = min(best, now() - start)
    return best


def deadline_after(seconds: float | None) -> float | None:
    """The :func:`now` at which ``seconds`` from now run out (None: no deadline)."""
    return None if seconds is None else now() + seconds


def past(deadline: float | None) -> bool:
    """Whether ``deadline`` (from :func:`deadline_after`) has passed."""
    return deadline is not None and now() >= deadline


def left(deadline: float) -> float:
    """Seconds until ``deadline`` (negative once it has passed)."""
    return deadline - now()


def cut_record(
    *,
    summary: str,
    rule: str,
    budget: float,
    full_estimate: float,
    steps_planned: int,
    steps_run: Sequence[int],
    stopped: Mapping[str, int],
    threads: int,
    **more: Any,
) -> dict[str, Any]:
    """``{"cut": ...}`` with the fields every task's cut shares (the runner prints
    ``summary``; the report shows the rest): the rule and its unit, the budget, the full plan's
    estimate, units planned and run, how the loops ended, the threads, then ``more``."""
    return {
        "cut": {
            "summary": summary,
            "rule": rule,
            "unit": UNITS[rule],
            "budget": float(f"{budget:.4g}"),
            "full_estimate": float(f"{full_estimate:.4g}"),
            **more,
            "steps_planned": steps_planned,
            "steps_run": list(steps_run),
            "stopped": dict(stopped),
            "threads": threads,
        }
    }
