"""Gradient inversion: rebuild a training image from the gradient one step of fine-tuning
would share (the risk of sending gradients in federated fine-tuning).

The victim computes the zero-shot cross-entropy gradient of the image tower's parameters on a
batch of one image with its label. The attacker, holding the model, the gradient and the label
(as iDLG recovers it from the last layer), optimises a dummy image so its gradient matches:
loss = 1 - cosine(gradients) + ``tv`` x total variation (Geiping et al. 2020, "Inverting
Gradients"), Adam, ``steps`` steps, pixels kept in [0, 1] by a sigmoid. Reported: ``psnr`` (dB)
and ``ssim`` of reconstruction vs original, each against ``psnr_baseline`` / ``ssim_baseline``
(a flat grey image of the original's mean colour: what knowing nothing but the average gives),
and the images (PNG, base64) in ``details["images"]``.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from PIL import Image
from pydantic import Field

from vlmtrust.core.records import MetricRow, Sample, Score
from vlmtrust.core.spec import Params, Spec
from vlmtrust.metrics.calibration import mean_estimate
from vlmtrust.metrics.image_quality import psnr, ssim
from vlmtrust.tasks.base import DataContext, Task


class GradientInversionParams(Params):
    n: int = Field(default=2, ge=1, le=16, description="images attacked, one batch of 1 each")
    steps: int = Field(default=100, ge=2, description="optimisation steps per image")
    lr: float = Field(default=0.1, gt=0)
    tv: float = Field(default=1e-2, ge=0, description="total-variation prior weight")
    label: str = Field(default="shape", description="label whose classes the loss uses")
    seed: int = 0


def _png64(pixels: torch.Tensor) -> str:
    array = (pixels.clamp(0, 1).permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def _parameters(model: Any) -> list[torch.nn.Parameter]:
    """The image tower's parameters (zoo), else every torch module the adapter holds."""
    tower = getattr(model, "tower", None)
    modules = (
        [tower]
        if isinstance(tower, torch.nn.Module)
        else [m for m in vars(model).values() if isinstance(m, torch.nn.Module)]
    )
    return [p for m in modules for p in m.parameters()]


def _logits_fn(model: Any, labels: Sequence[str]) -> Callable[[torch.Tensor], torch.Tensor]:
    """The zoo tower with the label embeddings computed once; else the generic pixel path."""
    tower, scale = getattr(model, "tower", None), getattr(model, "scale", None)
    if tower is not None and scale is not None and hasattr(model, "text"):
        text = torch.from_numpy(model.text.encode(list(labels)))
        return lambda x: scale * tower(x)[0] @ text.T
    return lambda x: model.pixel_logits(x, list(labels))


def total_variation(x: torch.Tensor) -> torch.Tensor:
    return (x[..., 1:, :] - x[..., :-1, :]).abs().mean() + (x[..., 1:] - x[..., :-1]).abs().mean()


def invert(
    logits: Callable[[torch.Tensor], torch.Tensor],
    params: list[torch.nn.Parameter],
    target: torch.Tensor,
    label: int,
    p: GradientInversionParams,
) -> tuple[torch.Tensor, list[float]]:
    """The reconstruction of ``target`` (1, 3, H, W) from its parameter gradient, and the
    gradient-matching loss at every step."""
    y = torch.tensor([label])

    def grads(x: torch.Tensor, create: bool) -> tuple[torch.Tensor, ...]:
        loss = torch.nn.functional.cross_entropy(logits(x), y)
        return torch.autograd.grad(loss, params, create_graph=create)

    shared = [g.detach() for g in grads(target, False)]
    generator = torch.Generator().manual_seed(p.seed)
    latent = (0.1 * torch.randn(target.shape, generator=generator)).requires_grad_(True)
    optimiser = torch.optim.Adam([latent], lr=p.lr)
    history: list[float] = []
    for _ in range(p.steps):
        optimiser.zero_grad()
        x = torch.sigmoid(latent)
        dummy = grads(x, True)
        dot = torch.stack([(a * b).sum() for a, b in zip(dummy, shared, strict=True)]).sum()
        norm_a = torch.stack([(a * a).sum() for a in dummy]).sum().sqrt()
        norm_b = torch.stack([(b * b).sum() for b in shared]).sum().sqrt()
        loss = 1 - dot / (norm_a * norm_b + 1e-12) + p.tv * total_variation(x)
        loss.backward()  # type: ignore[no-untyped-call]
        optimiser.step()
        history.append(float(loss.detach()))
    return torch.sigmoid(latent).detach(), history


class GradientInversion(Task):
    Params = GradientInversionParams
    params: GradientInversionParams
    requires = ("Differentiable",)
    pillar = "privacy"
    selection_params = frozenset({"n"})

    def samples(self, ctx: DataContext) -> list[Sample]:
        from vlmtrust.zoo import world

        if ctx.dataset is not None:
            return list(ctx.dataset)[: self.params.n]
        return world.generate(ctx.seed, self.params.n, family="objects")

    def conditions(self) -> list[Spec]:
        return [Spec(name="none")]

    def score(self, model: Any, samples: Sequence[Sample]) -> list[list[Score]]:
        from vlmtrust.zoo import world

        classes = {"shape": world.SHAPES, "colour": world.COLOURS}.get(self.params.label)
        out = []
        for sample in samples:
            truth = sample.labels.get(self.params.label)
            if sample.image is None or classes is None or truth not in classes:
                reason = f"needs an image and a {self.params.label!r} label among world classes"
                out.append([Score.cannot_score(sample.id, "psnr", reason)])
                continue
            out.append(self._attack(model, sample, list(classes), list(classes).index(truth)))
        return out

    def _attack(self, model: Any, sample: Sample, classes: list[str], label: int) -> list[Score]:
        torch.manual_seed(self.params.seed)
        target = model.to_pixels([sample.load_image()])
        params = _parameters(model)
        frozen = [p.requires_grad for p in params]
        try:
            for p in params:
                p.requires_grad_(True)
            with torch.enable_grad():
                rebuilt, history = invert(
                    _logits_fn(model, classes), params, target, label, self.params
                )
        finally:
            for p, was in zip(params, frozen, strict=True):
                p.requires_grad_(was)
                p.grad = None
        flat = target[0].mean(dim=(1, 2), keepdim=True).expand_as(target[0])
        images = {"original": _png64(target[0]), "reconstruction": _png64(rebuilt[0])}
        details = {
            "psnr_baseline": psnr(flat, target[0]),
            "ssim_baseline": ssim(flat, target[0]),
            "match_loss_first": history[0],
            "match_loss_last": history[-1],
            "images": images,
        }
        return [
            Score(
                sample_id=sample.id,
                metric="psnr",
                value=psnr(rebuilt[0], target[0]),
                details=details,
            ),
            Score(
                sample_id=sample.id, metric="ssim", value=ssim(rebuilt[0], target[0]), details={}
            ),
        ]

    def aggregate(
        self, scores: Mapping[str, Sequence[Score]], mitigation: str, model: str
    ) -> list[MetricRow]:
        """``psnr`` and ``ssim`` (means, bootstrap interval) and their flat-image baselines;
        the first sample's original and reconstruction in ``details["images"]``."""
        rows = []
        for attack, items in scores.items():
            psnrs = [s for s in items if s.metric == "psnr" and not s.unscorable]
            ssims = [s for s in items if s.metric == "ssim" and not s.unscorable]
            images = psnrs[0].details["images"] if psnrs else {}
            values = {
                "psnr": [float(s.value or 0) for s in psnrs],
                "ssim": [float(s.value or 0) for s in ssims],
                "psnr_baseline": [float(s.details["psnr_baseline"]) for s in psnrs],
                "ssim_baseline": [float(s.details["ssim_baseline"]) for s in psnrs],
            }
            for metric, vals in values.items():
                rows.append(
                    mean_estimate(vals).as_row(
                        task=self.spec.name,
                        attack=attack,
                        mitigation=mitigation,
                        metric=metric,
                        model=model,
                        details={
                            "images": images,
                            "steps": self.params.steps,
                            "match_loss_first_last": [
                                [s.details["match_loss_first"], s.details["match_loss_last"]]
                                for s in psnrs
                            ],
                        }
                        if metric == "psnr"
                        else {},
                    )
                )
        return rows
