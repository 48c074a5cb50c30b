"""The shared work budget: a plan that fits is kept, one that does not is cut to what fits (not
below its floor), FLOPs are counted (not timed) and the same on every call, a deadline passes,
and a cut's record carries the fields every task's cut shares."""

from __future__ import annotations

import pytest
import torch

from vlmtrust.core.work_budget import (
    DEFAULT_WORK_FLOPS,
    count_flops,
    cut_record,
    deadline_after,
    past,
    plan_units,
)


def test_a_plan_that_fits_is_kept_and_one_that_does_not_is_cut() -> None:
    kept = plan_units(what="steps", cost_per_unit=2.0, planned=100, budget=200.0)
    assert (kept.units, kept.scaled, kept.full_estimate) == (100, False, 200.0)
    cut = plan_units(what="steps", cost_per_unit=2.0, planned=100, budget=50.0)
    assert (cut.units, cut.scaled, cut.full_estimate) == (25, True, 200.0)
    floor = plan_units(what="steps", cost_per_unit=2.0, planned=100, budget=1.0, minimum=10)
    assert floor.units == 10 and floor.scaled
    # a floor above the plan never asks for more than was planned
    assert plan_units(what="q", cost_per_unit=9.0, planned=3, budget=1.0, minimum=5).units == 3
    record = cut.record()
    assert record["unit"] == "FLOPs" and record["what"] == "steps" and record["planned"] == 100
    timed = plan_units(what="s", cost_per_unit=1.0, planned=4, budget=2.0, rule="time")
    assert timed.record()["unit"] == "s"


def test_flops_are_counted_the_same_every_time() -> None:
    layer = torch.nn.Linear(8, 4, bias=False)
    x = torch.randn(3, 8)
    forward = count_flops(lambda: layer(x))
    assert forward == 2 * 3 * 8 * 4  # one matmul: 2 x batch x in x out
    assert count_flops(lambda: layer(x)) == forward

    def forward_backward() -> None:
        layer(x).sum().backward()

    assert count_flops(forward_backward) == 2 * forward  # + the weight's gradient (x needs none)


def test_a_generate_loop_under_no_grad_with_trainable_weights_is_counted() -> None:
    """The module tracker of torch's FlopCounterMode fails here; the count must not."""
    layer = torch.nn.Linear(4, 4)

    @torch.no_grad()
    def generate() -> None:
        x = torch.zeros(1, 4)
        for _ in range(3):
            x = layer(x)

    assert count_flops(generate) == 3 * 2 * 4 * 4


def test_a_deadline_passes_and_none_never_does() -> None:
    assert past(deadline_after(0.0)) and not past(deadline_after(None))
    assert not past(deadline_after(3600.0))


def test_a_cut_record_has_the_shared_fields_then_the_tasks_own() -> None:
    cut = cut_record(
        summary="cut",
        rule="time",
        budget=1.23456,
        full_estimate=10.0,
        steps_planned=5,
        steps_run=[2, 3],
        stopped={"budget": 1},
        threads=2,
        cost_per_query=0.5,
    )["cut"]
    assert list(cut) == [
        "summary",
        "rule",
        "unit",
        "budget",
        "full_estimate",
        "cost_per_query",
        "steps_planned",
        "steps_run",
        "stopped",
        "threads",
    ]
    assert cut["unit"] == "s" and cut["budget"] == pytest.approx(1.235)


def test_every_budgeted_task_takes_the_shared_budget_fields() -> None:
    """The four expensive tasks declare their budget once (BudgetParams), so the names,
    defaults and descriptions a user reads in ``vlmtrust list`` are the same for each."""
    from vlmtrust.core.work_budget import BudgetParams, EarlyStopParams
    from vlmtrust.plugins import TASKS

    names = [
        "robustness.backdoor_scan",
        "robustness.caption_backdoor_scan",
        "privacy.gradient_inversion",
        "privacy.membership",
        "safety.red_team",
    ]
    for name in names:
        params = TASKS.get(name).Params
        assert issubclass(params, BudgetParams), name
        fields = params.model_fields
        for field in ("budget_flops", "budget_s"):
            assert repr(fields[field]) == repr(BudgetParams.model_fields[field]), (name, field)
        if "patience" in fields:
            assert issubclass(params, EarlyStopParams), name
    defaults = BudgetParams()
    assert (defaults.budget_flops, defaults.budget_s) == (DEFAULT_WORK_FLOPS, None)
