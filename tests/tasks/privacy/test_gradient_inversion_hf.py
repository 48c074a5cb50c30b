"""privacy.gradient_inversion on an hf: CLIP (a tiny random one): the shared gradient holds only
the parameters the loss reaches (not the text tower, whose label embeddings are computed once
without a graph), the double backward runs through eager attention switched on for the attack
alone, and a work budget cuts the attack there as it does on the zoo."""

from __future__ import annotations

import io
from pathlib import Path

import torch
from rich.console import Console

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.data.world.vocabulary import SHAPES
from vlmtrust.models.base import resolve_model
from vlmtrust.runner import run
from vlmtrust.tasks.base import DataContext, build_task
from vlmtrust.tasks.privacy.gradient_inversion import MIN_STEPS, _Attack
from vlmtrust.tasks.privacy.gradient_leaks import last_linear, logits_fn, trainable_parameters

TASK = "privacy.gradient_inversion"


def test_the_shared_gradient_leaves_out_the_text_tower(tiny_clip: Path) -> None:
    model = resolve_model(f"hf:{tiny_clip}").load()
    sample = build_task(Spec(name=TASK)).samples(DataContext(seed=0))[0]
    target = model.to_pixels([sample.load_image()])
    params = trainable_parameters(model)
    names = {id(p): name for name, p in model._model.named_parameters()}
    for p in params:
        p.requires_grad_(True)
    label = list(SHAPES).index(sample.labels["shape"])
    with torch.enable_grad():
        attack = _Attack(logits_fn(model, list(SHAPES)), params, last_linear(model), target, label)
    attack.close()
    kept = {names[id(p)] for p in attack.params}
    assert kept and len(attack.shared) == len(attack.params)
    assert not any(name.startswith(("text_model.", "text_projection.")) for name in kept)
    assert any(name.startswith("vision_model.") for name in kept)
    assert "visual_projection.weight" in kept


def test_an_hf_clip_is_inverted_under_a_cut_budget_and_says_what_was_cut(
    tiny_clip: Path, tmp_path: Path
) -> None:
    buffer = io.StringIO()
    params = {"n": 1, "steps": 40, "restarts": 2, "budget_flops": 1.0, "prior_images": 4}
    summary = run(
        RunConfig(
            model=f"hf:{tiny_clip}",
            tasks=(Spec(name=TASK, params=params),),
            out=tmp_path / "run",
            show_progress=False,
        ),
        console=Console(file=buffer, width=400),
    )
    rows = {r.metric: r for r in summary.metrics}
    assert rows["psnr"].n == 1 and rows["ssim"].n == 1 and rows["psnr_gain_prior"].n == 1
    cut = rows["psnr"].details["cut"]
    assert cut["rule"] == "work" and cut["images_cut"] == 1 and cut["restarts"] == 1
    assert cut["steps_planned"] == MIN_STEPS
    (ran,) = cut["steps_run"]
    assert 1 <= ran <= MIN_STEPS
    assert "budget privacy.gradient_inversion: work budget: the full attack" in buffer.getvalue()
