"""robustness.backdoor_scan under budgets: a wall-time budget its model cannot meet cuts the scan
on zoo:clip through the runner, stops it by its deadline, records the cut in its rows and
prints it; under the default work budget the same small search is not cut and records
nothing; every zoo model's default search fits the default work budget (counted FLOPs, the
same on any machine), and a real-size ViT-B/32 vision tower's does not."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import torch
from rich.console import Console

from vlmtrust.attacks.inversion_budget import DEFAULT_WORK_FLOPS, flops_per_image_step, plan_budget
from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.data.world.flaws import BACKDOOR_TARGET
from vlmtrust.models.base import resolve_model
from vlmtrust.plugins import TASKS
from vlmtrust.runner import run

SMALL = {
    "labels": ["a photo of a circle.", "a photo of a square.", BACKDOOR_TARGET],
    "n_images": 4,
    "steps": 15,
}


def _scan(tmp_path: Path, budget_s: float | None) -> tuple[dict[str, object], str]:
    buffer = io.StringIO()
    summary = run(
        RunConfig(
            model="zoo:clip",
            tasks=(Spec(name="robustness.backdoor_scan", params=SMALL),),
            out=tmp_path / "run",
            budget_s=budget_s,
        ),
        console=Console(file=buffer, width=400),
    )
    top = next(r for r in summary.metrics if r.metric == "max_anomaly_index")
    return top.details, buffer.getvalue()


@pytest.mark.slow  # 9-30 s at load 8-12 on 2 cores: a full zoo:clip scan through the runner
def test_an_impossible_budget_cuts_the_scan_and_says_what_it_cut(tmp_path: Path) -> None:
    details, printed = _scan(tmp_path, 0.001)
    cut = details["cut"]
    assert isinstance(cut, dict)
    assert cut["rule"] == "time" and cut["unit"] == "s"
    assert cut["budget"] == 0.001 and cut["labels_cut"] == 3
    assert cut["stopped"]["budget"] == 3 and cut["steps_run"] == [1, 1, 1]
    assert cut["n_images"] == [4] and cut["threads"] >= 1
    assert cut["full_estimate"] > 0.001
    assert "budget robustness.backdoor_scan: time budget: the full search" in printed
    assert "3 stopped by the deadline" in printed


def test_a_search_that_fits_records_no_cut(tmp_path: Path) -> None:
    details, printed = _scan(tmp_path, None)
    assert "cut" not in details and "budget robustness" not in printed


def _default_plan(model_spec: str, task_name: str):
    """The default work plan of ``task_name`` at its default parameters on ``model_spec``."""
    task = TASKS.get(task_name)(Spec(name=task_name))
    model = resolve_model(model_spec).load()
    labels = list(task.candidates())
    pixels = task._clean_pixels(model, 0)
    flops = flops_per_image_step(task._logits_of(model, labels), pixels)
    return plan_budget(
        cost_per_image_step=flops,
        budget=task.params.budget_flops,
        n_labels=len(labels),
        steps=task.params.steps,
        n_images=min(task.params.n_images, len(pixels)),
    )


def test_zoo_clip_keeps_its_full_search_under_the_default_work_budget() -> None:
    plan = _default_plan("zoo:clip", "robustness.backdoor_scan")
    assert not plan.scaled and (plan.steps, plan.n_images) == (150, 16)
    # a wide margin: a twice costlier tower would still keep the full search
    assert 2 * plan.full_estimate < DEFAULT_WORK_FLOPS


@pytest.mark.slow
def test_zoo_assistant_keeps_its_full_caption_search_under_the_default() -> None:
    plan = _default_plan("zoo:assistant", "robustness.caption_backdoor_scan")
    assert not plan.scaled and plan.full_estimate < DEFAULT_WORK_FLOPS


@pytest.mark.slow
def test_a_real_size_vision_tower_is_cut_by_the_default() -> None:
    """A random ViT-B/32 vision tower at 224 px (CLIP's shape), its pooled output projected
    on 16 fixed label vectors: the default search on it is cut, the same way on any machine."""
    from transformers import CLIPVisionConfig, CLIPVisionModel

    torch.manual_seed(0)
    tower = CLIPVisionModel(
        CLIPVisionConfig(
            hidden_size=768,
            num_hidden_layers=12,
            num_attention_heads=12,
            intermediate_size=3072,
            patch_size=32,
            image_size=224,
        )
    ).eval()
    text = torch.randn(16, 768)

    def logits_of(pixels: torch.Tensor) -> torch.Tensor:
        return tower(pixel_values=pixels).pooler_output @ text.T

    flops = flops_per_image_step(logits_of, torch.rand(1, 3, 224, 224))
    assert flops > 1e10  # ~8.8e9 forward + the backward to the pixels
    plan = plan_budget(
        cost_per_image_step=flops, budget=DEFAULT_WORK_FLOPS, n_labels=16, steps=150, n_images=16
    )
    assert plan.scaled and plan.rule == "work" and plan.steps < 150 and plan.n_images < 16
