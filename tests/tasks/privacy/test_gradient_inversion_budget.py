"""privacy.gradient_inversion under budgets: the plan is a pure function of a step's cost (full
when it fits, restarts then steps cut when not); on zoo:clip a tiny work budget cuts the attack
through the runner, records the cut and prints it, a tiny --budget-s stops it by its deadline,
--limit caps the images, and the default attack on zoo:clip fits the default work budget."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import torch
from rich.console import Console

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.core.work_budget import DEFAULT_WORK_FLOPS
from vlmtrust.data.world.vocabulary import SHAPES
from vlmtrust.models.base import resolve_model
from vlmtrust.runner import run
from vlmtrust.tasks.base import DataContext, build_task
from vlmtrust.tasks.privacy.gradient_inversion import (
    MIN_STEPS,
    GradientInversionParams,
    _Attack,
    plan_steps,
    step_cost,
)
from vlmtrust.tasks.privacy.gradient_leaks import last_linear, logits_fn, trainable_parameters

TASK = "privacy.gradient_inversion"


def test_a_plan_that_fits_is_kept_and_restarts_are_cut_before_steps() -> None:
    p = GradientInversionParams(n=4, steps=200, restarts=2, budget_flops=1600.0)
    full = plan_steps(1.0, p)  # 4 x 2 x 200 x 1 = 1600: fits exactly
    assert (full.steps, full.restarts, full.patience, full.cut) == (200, 2, None, None)
    one_start = plan_steps(1.0, p.model_copy(update={"budget_flops": 800.0}), available=3)
    assert (one_start.steps, one_start.restarts, one_start.threads) == (200, 1, 3)
    assert one_start.patience == p.patience and one_start.cut is not None
    assert one_start.cut.units == 4 * 200 and one_start.cut.planned == 1600
    fewer_steps = plan_steps(1.0, p.model_copy(update={"budget_flops": 400.0}))
    assert (fewer_steps.steps, fewer_steps.restarts) == (100, 1)
    floor = plan_steps(1.0, p.model_copy(update={"budget_flops": 1.0}))
    assert floor.steps == MIN_STEPS and floor.share_s is None
    timed = plan_steps(1.0, p.model_copy(update={"budget_s": 400.0}))
    assert timed.cut is not None and timed.cut.rule == "time" and timed.share_s == 100.0


def _scan(tmp_path: Path, params: dict[str, object], budget_s: float | None = None):
    buffer = io.StringIO()
    summary = run(
        RunConfig(
            model="zoo:clip",
            tasks=(Spec(name=TASK, params={"n": 1, "steps": 30, "restarts": 2, **params}),),
            out=tmp_path / "run",
            budget_s=budget_s,
        ),
        console=Console(file=buffer, width=400),
    )
    psnr = next(r for r in summary.metrics if r.metric == "psnr")
    return psnr.details, buffer.getvalue()


@pytest.mark.slow  # 20 cut steps on every thread: 32 s at load 10 on 2 shared cores
def test_a_tiny_work_budget_cuts_restarts_and_steps_and_says_so(tmp_path: Path) -> None:
    details, printed = _scan(tmp_path, {"budget_flops": 1.0})
    cut = details["cut"]
    assert cut["rule"] == "work" and cut["unit"] == "FLOPs" and cut["budget"] == 1.0
    assert cut["restarts"] == 1 and cut["steps_planned"] == MIN_STEPS and cut["images_cut"] == 1
    assert len(cut["steps_run"]) == 1 and 1 <= cut["steps_run"][0] <= MIN_STEPS
    assert cut["full_estimate"] == pytest.approx(2 * 30 * cut["cost_per_step"], rel=1e-3)
    assert sum(cut["stopped"].values()) == 1 and cut["stopped"]["budget"] == 0
    assert details["restart_kept"] == [0]
    assert "budget privacy.gradient_inversion: work budget: the full attack" in printed


def test_a_tiny_budget_s_stops_each_start_at_its_deadline(tmp_path: Path) -> None:
    details, printed = _scan(tmp_path, {}, budget_s=1e-6)
    cut = details["cut"]
    assert cut["rule"] == "time" and cut["stopped"] == {"steps": 0, "converged": 0, "budget": 1}
    assert cut["steps_run"] == [1] and cut["steps_planned"] == MIN_STEPS
    assert "1 stopped by the deadline" in printed


def test_a_fitting_attack_records_nothing_and_limit_caps_the_images() -> None:
    task = build_task(Spec(name=TASK, params={"n": 4}))
    assert len(task.samples(DataContext(seed=0, limit=2))) == 2
    assert len(task.samples(DataContext(seed=0))) == 4


def test_zoo_clip_keeps_its_full_attack_under_the_default_work_budget() -> None:
    model = resolve_model("zoo:clip").load()
    task = build_task(Spec(name=TASK))
    sample = task.samples(DataContext(seed=0))[0]
    target = model.to_pixels([sample.load_image()])
    params = trainable_parameters(model)
    for q in params:
        q.requires_grad_(True)
    label = list(SHAPES).index(sample.labels["shape"])
    with torch.enable_grad():
        attack = _Attack(logits_fn(model, list(SHAPES)), params, last_linear(model), target, label)
        cost = step_cost(attack, tuple(target.shape), task.params)
    attack.close()
    p = task.params
    full = p.n * p.restarts * p.steps * cost
    assert plan_steps(cost, p).cut is None
    # a wide margin (4.5e11 counted): a 10x costlier tower would still keep the full attack
    assert 10 * full < DEFAULT_WORK_FLOPS


def test_a_steps_cost_is_measured_once_per_scan_not_once_per_image() -> None:
    """Timed twice, two images would get two different costs: one timing serves both (on a
    real-size model each timing takes two steps, more than a small --budget-s allows)."""
    task = build_task(Spec(name=TASK, params={"n": 2, "steps": 30, "budget_s": 1e-6}))
    model = resolve_model("zoo:clip").load()
    rows = task.score(model, task.samples(DataContext(seed=0)))
    budgets = [row[0].details["budget"] for row in rows]
    assert [b["rule"] for b in budgets] == ["time", "time"]
    assert budgets[0]["cost_per_unit"] == budgets[1]["cost_per_unit"] > 0
    assert [b["steps_run"] for b in budgets] == [[1], [1]]
