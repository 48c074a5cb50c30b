"""The inversion budget: a pure function of a step cost and a budget in the same unit (fake
seconds and fake FLOPs here), the FLOP count of a step, and the bounded inversion's early and
deadline stops on a tiny model."""

from __future__ import annotations

import time

import pytest
import torch

from vlmtrust.attacks.inversion_budget import (
    DEFAULT_WORK_FLOPS,
    MIN_IMAGES,
    MIN_STEPS,
    flops_per_image_step,
    plan_budget,
    seconds_per_step_image,
)
from vlmtrust.attacks.trigger_inversion import bounded_inversion, invert_trigger


def test_a_full_search_that_fits_is_kept_exactly() -> None:
    # time rule: 16 labels x 150 steps x 16 images x 1 ms = 38.4 s < 60 s
    plan = plan_budget(
        cost_per_image_step=0.001, budget=60, n_labels=16, steps=150, n_images=16, rule="time"
    )
    assert (plan.steps, plan.n_images, plan.scaled, plan.early_stop) == (150, 16, False, False)
    assert plan.full_estimate == pytest.approx(38.4)
    # --limit does not cut a search that fits (zoo-size models keep today's results)
    capped = plan_budget(
        cost_per_image_step=0.001, budget=60, n_labels=16, steps=150, n_images=16, image_cap=6
    )
    assert capped.n_images == 16 and not capped.scaled


def test_an_expensive_model_cuts_images_then_steps_to_fit() -> None:
    # ViT-B/32-like: 0.25 s per image-step, 480 s over 16 labels = 30 s per label
    plan = plan_budget(cost_per_image_step=0.25, budget=480, n_labels=16, steps=150, n_images=16)
    assert plan.scaled and plan.early_stop
    assert plan.n_images == MIN_IMAGES  # 40 steps x 4 images would not fit either
    assert plan.steps == int(30 / (MIN_IMAGES * 0.25))  # 30 steps
    assert plan.steps * plan.n_images * 0.25 <= plan.label_budget
    assert plan.full_estimate == pytest.approx(16 * 150 * 16 * 0.25)


def test_a_mildly_expensive_model_keeps_more_images() -> None:
    # 2x over budget: images cut only as far as PREFERRED_STEPS needs
    plan = plan_budget(cost_per_image_step=0.002, budget=38.4, n_labels=16, steps=150, n_images=16)
    assert plan.scaled
    assert MIN_IMAGES < plan.n_images <= 16
    assert plan.steps * plan.n_images * 0.002 <= plan.label_budget + 1e-9


def test_limit_caps_images_of_a_cut_search_and_steps_have_a_floor() -> None:
    capped = plan_budget(
        cost_per_image_step=0.01, budget=10, n_labels=16, steps=150, n_images=16, image_cap=5
    )
    assert capped.scaled and capped.n_images <= 5
    hopeless = plan_budget(cost_per_image_step=10.0, budget=1, n_labels=16, steps=150, n_images=16)
    assert hopeless.steps == MIN_STEPS and hopeless.n_images == MIN_IMAGES


def _tiny() -> tuple[torch.Tensor, object]:
    """Dark scenes and a 'model' whose label 0 lights up when the top-left corner is bright."""
    generator = torch.Generator().manual_seed(0)
    pixels = torch.rand((6, 3, 8, 8), generator=generator) * 0.3

    def logits_of(x: torch.Tensor) -> torch.Tensor:
        corner = x[:, :, :2, :2].mean(dim=(1, 2, 3)) * 12
        rest = x.mean(dim=(1, 2, 3))
        return torch.stack([corner, rest + 1.5, rest + 1.0], dim=1)

    return pixels, logits_of


def test_without_stops_the_bounded_inversion_is_the_plain_one() -> None:
    pixels, logits_of = _tiny()
    plain = invert_trigger(logits_of, pixels, 0, steps=60, success=0.9)
    bounded, stop = bounded_inversion(logits_of, pixels, 0, steps=60, success=0.9)
    assert plain is not None and bounded is not None
    assert torch.equal(plain.mask, bounded.mask)
    assert (stop.steps_run, stop.stopped) == (60, "steps")


def test_early_stop_ends_a_converged_search_with_a_working_trigger() -> None:
    pixels, logits_of = _tiny()
    found, stop = bounded_inversion(logits_of, pixels, 0, steps=2000, success=0.9, patience=15)
    assert stop.stopped == "converged" and stop.steps_run < 2000
    assert found is not None and found.success >= 0.9


def test_a_passed_deadline_stops_after_one_step_and_reports_it() -> None:
    pixels, logits_of = _tiny()
    seen: list[int] = []
    _, stop = bounded_inversion(
        logits_of, pixels, 0, steps=100, deadline=time.monotonic() - 1, on_step=seen.append
    )
    assert (stop.steps_run, stop.stopped, seen) == (1, "budget", [1])


def test_step_cost_is_measured_per_image() -> None:
    pixels, logits_of = _tiny()
    assert seconds_per_step_image(logits_of, pixels) > 0


def _work_plan(flops: float, budget: float = DEFAULT_WORK_FLOPS, **more: int):
    """The default rule at the backdoor scan's default search (16 labels x 150 steps x 16)."""
    return plan_budget(
        cost_per_image_step=flops, budget=budget, n_labels=16, steps=150, n_images=16, **more
    )


def test_work_planning_is_a_pure_function_of_flops_and_budget() -> None:
    # fake FLOPs: the same inputs give the same plan, and it scales with cost over budget
    assert _work_plan(5e9) == _work_plan(5e9)
    assert _work_plan(5e9, budget=1e12).record()["unit"] == "FLOPs"
    fits = _work_plan(1e9, budget=16 * 150 * 16 * 1e9)
    assert not fits.scaled and (fits.steps, fits.n_images, fits.rule) == (150, 16, "work")
    cut = _work_plan(1e9, budget=16 * 150 * 16 * 1e9 / 10)
    assert cut.scaled and cut.early_stop and cut.rule == "work"
    assert 16 * cut.steps * cut.n_images * 1e9 <= cut.budget
    cheaper = _work_plan(1e9, budget=16 * 150 * 16 * 1e9 / 100)
    assert cheaper.steps * cheaper.n_images < cut.steps * cut.n_images


def test_a_real_size_cost_is_cut_by_the_default_work_budget() -> None:
    # a ViT-B/32 CLIP at 224 px: 1.745e10 FLOPs per image-step (counted in
    # test_a_real_size_vision_tower_is_cut_by_the_default, slow-marked)
    plan = _work_plan(1.745e10)
    assert plan.scaled and plan.n_images == MIN_IMAGES
    assert MIN_STEPS <= plan.steps < 150
    assert 16 * plan.steps * plan.n_images * 1.745e10 <= DEFAULT_WORK_FLOPS


def test_flops_grow_with_the_model() -> None:
    generator = torch.Generator().manual_seed(0)
    small, large = (torch.nn.Linear(3 * 8 * 8, width) for width in (4, 64))
    pixels = torch.rand((2, 3, 8, 8), generator=generator)
    counted = [flops_per_image_step(lambda x, m=m: m(x.flatten(1)), pixels) for m in (small, large)]
    assert counted[0] > 0 and counted[1] == pytest.approx(16 * counted[0], rel=0.1)
    # counted, not timed: the same count again
    assert counted[0] == flops_per_image_step(lambda x: small(x.flatten(1)), pixels)
