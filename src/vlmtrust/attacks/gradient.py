"""Gradient attacks on a Differentiable model's zero-shot classifier: PGD (Madry et al. 2018)
and FGSM (Goodfellow et al. 2015), L-inf or L2, untargeted or targeted.

Batched: one forward/backward per step for the whole batch. Pixels live in [0, 1] at the model's
input resolution (``to_pixels``); the result is quantised to 8 bits and stored losslessly, so what
is scored is exactly what a model would receive from an image file. No random start by default:
the attack is then a deterministic function of the batch and the weights (a resumed run
reproduces it: the runner cuts the same batches). A different ``--batch-size`` can change a
gradient's last bit and so, rarely, a pixel's sign step: float arithmetic, not randomness.
Targeted attacks pick a wrong class per sample from its content hash and record it as the
``adversarial_target`` label.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import torch
from PIL import Image
from pydantic import Field

from vlmtrust.attacks.base import Attack, sample_rng
from vlmtrust.attacks.typographic import world_classes
from vlmtrust.core.errors import ConfigError
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Params, PromptTemplate, Spec

TARGET_LABEL = "adversarial_target"


class PgdParams(Params):
    eps: float = Field(default=4 / 255, gt=0, description="budget (L-inf: per pixel in [0,1])")
    steps: int = Field(default=10, ge=1, description="gradient steps, each projected to eps")
    step_size: float | None = Field(default=None, gt=0, description="default 2.5 * eps / steps")
    norm: Literal["linf", "l2"] = Field(
        default="linf", description="linf: eps per pixel; l2: eps on the whole perturbation"
    )
    targeted: bool = Field(
        default=False,
        description="descend to a seeded wrong class (recorded as adversarial_target) instead "
        "of ascending away from the true one",
    )
    label: str = Field(default="shape", description="the label the classifier predicts")
    classes: tuple[str, ...] = Field(default=(), description="class names; default: the world's")
    template: PromptTemplate = Field(
        default="a photo of a {}.", description="zero-shot prompt per class ('{}': the class)"
    )


class Pgd(Attack):
    Params = PgdParams
    params: PgdParams
    requires = ("Differentiable",)

    def apply(self, sample: Sample) -> Sample:
        raise ConfigError(
            f"{self.spec.name} needs the model's gradients", "run it inside a scan (apply_batch)"
        )

    def apply_batch(self, samples: Sequence[Sample], model: Any) -> list[Sample]:
        """Attack the samples that have an image; the others pass unchanged."""
        with_image = [i for i, s in enumerate(samples) if s.image is not None]
        out = list(samples)
        if with_image:
            attacked = self.perturb_images([samples[i] for i in with_image], model)
            for i, sample in zip(with_image, attacked, strict=True):
                out[i] = sample
        return out

    def perturb_images(self, chosen: Sequence[Sample], model: Any) -> list[Sample]:
        """The attacked samples, one per sample (each has an image)."""
        classes = self.params.classes or world_classes(self.params.label)
        prompts = [self.params.template.format(c) for c in classes]
        targets = [self._target(s, classes) for s in chosen]
        goal = torch.tensor([classes.index(t) for t in targets])
        pixels = model.to_pixels([s.load_image() for s in chosen])
        adversarial = perturb(
            lambda x: model.pixel_logits(x, prompts),
            pixels,
            goal,
            eps=self.params.eps,
            steps=self.params.steps,
            step_size=self._step_size(),
            norm=self.params.norm,
            targeted=self.params.targeted,
        )
        out: list[Sample] = []
        for sample, target, pixels_i in zip(chosen, targets, adversarial, strict=True):
            attacked = sample.with_image(_to_image(pixels_i))
            if self.params.targeted:
                attacked = attacked.model_copy(
                    update={"labels": {**sample.labels, TARGET_LABEL: target}}
                )
            out.append(attacked)
        return out

    @property
    def label(self) -> str:
        """Always names the budget, in 1/255 units when it is one (``pgd(eps=4/255)``)."""
        defaults = self.Params().model_dump(mode="json")
        others = {k: v for k, v in self.spec.params.items() if k != "eps" and defaults.get(k) != v}
        rest = Spec(name=self.spec.name, params=others).label().removeprefix(self.spec.name)
        in_255 = self.params.eps * 255
        eps = (
            f"{round(in_255)}/255" if abs(in_255 - round(in_255)) < 1e-6 else f"{self.params.eps:g}"
        )
        return f"{self.spec.name}(eps={eps}{',' + rest.strip('()') if rest else ''})"

    def _step_size(self) -> float:
        return self.params.step_size or 2.5 * self.params.eps / self.params.steps

    def _target(self, sample: Sample, classes: Sequence[str]) -> str:
        """The true class (untargeted: move away from it) or a seeded wrong class (targeted)."""
        truth = str(sample.labels.get(self.params.label, classes[0]))
        if not self.params.targeted:
            return truth if truth in classes else classes[0]
        rng = sample_rng(sample)
        wrong = [c for c in classes if c != truth]
        return wrong[int(rng.integers(len(wrong)))]


class FgsmParams(PgdParams):
    steps: int = Field(default=1, ge=1, le=1, description="always 1: FGSM is one step")
    step_size: None = Field(default=None, description="always eps: the one step spans the budget")


class Fgsm(Pgd):
    """One step of size eps: PGD's cheapest special case."""

    Params = FgsmParams
    params: FgsmParams

    def _step_size(self) -> float:
        return self.params.eps


def perturb(
    logits_of: Any,
    pixels: torch.Tensor,
    goal: torch.Tensor,
    *,
    eps: float,
    steps: int,
    step_size: float,
    norm: str,
    targeted: bool,
) -> torch.Tensor:
    """Projected gradient steps on cross-entropy: ascend it on the true class (untargeted) or
    descend it on the target (targeted); project to the eps-ball and to [0, 1] after each."""
    clean = pixels.detach()
    x = clean.clone()
    sign = -1.0 if targeted else 1.0
    for _ in range(steps):
        x.requires_grad_(True)
        loss = torch.nn.functional.cross_entropy(logits_of(x), goal, reduction="sum")
        (grad,) = torch.autograd.grad(loss, x)
        with torch.no_grad():
            if norm == "linf":
                x = x + sign * step_size * grad.sign()
                x = clean + (x - clean).clamp(-eps, eps)
            else:
                flat = grad.flatten(1).norm(dim=1).clamp(min=1e-12).view(-1, 1, 1, 1)
                x = x + sign * step_size * grad / flat
                delta = x - clean
                scale = (eps / delta.flatten(1).norm(dim=1).clamp(min=1e-12)).clamp(max=1.0)
                x = clean + delta * scale.view(-1, 1, 1, 1)
            x = x.clamp(0.0, 1.0)
    return x.detach()


def _to_image(pixels: torch.Tensor) -> Image.Image:
    array = (pixels.permute(1, 2, 0).numpy() * 255.0).round().clip(0, 255).astype(np.uint8)
    return Image.fromarray(array)
