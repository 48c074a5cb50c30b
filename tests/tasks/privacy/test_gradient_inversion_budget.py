"""privacy.gradient_inversion under budgets: the plan is a pure function of a step's cost (full
when it fits, restarts then steps cut when not); on zoo:clip a tiny work budget cuts the attack
through the runner, records the cut and prints it, a --budget-s too small for one minimum attack
leaves the image unattacked, a --budget-s scan ends within one step of its budget on a clock
moved by the work, --limit caps the images, and the default attack on zoo:clip fits the default
work budget."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import torch
from rich.console import Console

from vlmtrust.core import work_budget
from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.core.work_budget import DEFAULT_WORK_FLOPS
from vlmtrust.data.world.vocabulary import SHAPES
from vlmtrust.models.base import resolve_model
from vlmtrust.runner import run
from vlmtrust.tasks.base import DataContext, build_task
from vlmtrust.tasks.privacy import gradient_inversion
from vlmtrust.tasks.privacy.gradient_inversion import (
    MIN_STEPS,
    NOT_ATTACKED,
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


def test_a_budget_s_below_one_minimum_attack_leaves_the_image_unattacked(tmp_path: Path) -> None:
    """No 1-step attack passes for a result: the image is left out, and the row says so."""
    details, printed = _scan(tmp_path, {}, budget_s=1e-6)
    cut = details["cut"]
    assert cut["rule"] == "time" and cut["not_attacked"] == 1 and cut["steps_run"] == []
    assert "1 images not attacked" in printed


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


class WorkClock:
    """A clock that moves with the work: ``tick`` seconds per forward pass of the attacked
    model (a victim gradient, a step, a final loss each take one), ``slower`` once the first
    ``after`` passes ran (steps turning slower than measured: a busier machine)."""

    def __init__(self, after: int, slower: float) -> None:
        self.t, self.calls, self.after, self.slower = 0.0, 0, after, slower

    def __call__(self) -> float:
        return self.t

    def forward(self) -> None:
        self.calls += 1
        self.t += 1.0 if self.calls <= self.after else self.slower


def test_a_budget_s_scan_ends_near_its_budget_and_no_start_runs_below_its_minimum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """B = 24 clock seconds for 3 images of at most 12 steps (minimum 4 here): the first
    image's victim gradient and its two timed steps cost 1 each, so one image's fixed cost is
    2 and a step 1; then every step takes 2. The starts their share stops run their 4 steps
    first, the time the slow steps took is taken from the later images, and the scan ends
    within one step of B, the last image left unattacked rather than attacked below 4 steps."""
    clock = WorkClock(after=3, slower=2.0)
    monkeypatch.setattr(work_budget, "clock", clock)
    monkeypatch.setattr(gradient_inversion, "MIN_STEPS", 4)
    measured = []

    def ticking(model, classes):  # type: ignore[no-untyped-def]
        logits = logits_fn(model, classes)

        def forward(x: torch.Tensor) -> torch.Tensor:
            clock.forward()
            return logits(x)

        return forward

    def timed_once(*args):  # type: ignore[no-untyped-def]
        measured.append(args)
        return step_cost(*args)

    monkeypatch.setattr(gradient_inversion, "logits_fn", ticking)
    monkeypatch.setattr(gradient_inversion, "step_cost", timed_once)
    budget = 24.0
    task = build_task(
        Spec(name=TASK, params={"n": 3, "steps": 12, "prior_images": 1, "budget_s": budget})
    )
    model = resolve_model("zoo:clip").load()
    rows = task.score(model, task.samples(DataContext(seed=0)))
    assert clock.t <= 1.2 * budget + 2.0  # one (slow) step over at most
    assert len(measured) == 1  # a step is timed once per scan, not once per image
    attacked = [row[0].details["budget"] for row in rows if not row[0].unscorable]
    assert 1 <= len(attacked) < 3
    assert all(n >= 4 for b in attacked for n in b["steps_run"])
    assert {b["fixed_s"] for b in attacked} == {2.0}
    assert any("budget" in b["stopped"] for b in attacked)
    left_out = [row[0] for row in rows if row[0].unscorable]
    assert left_out and all(s.reason.startswith(NOT_ATTACKED) for s in left_out)
    assert "--budget-s 24 s was spent" in left_out[0].reason
