"""``pgd_caption``: PGD through ``Differentiable`` against a Generator, toward a target answer.

The Generator counterpart of ``pgd(targeted=true)``: the pixels ascend the log-likelihood the
model gives ``target`` as its answer to ``prompt`` (``pixel_logits``: summed log-probability of
the answer's words and end token). It reuses ``gradient.perturb`` by scoring the target against a
fixed 0-nat reference, so descending the cross-entropy ``softplus(-log p(target))`` raises
``log p(target)`` monotonically; the L-inf step follows its sign, the L2 step its direction.
Whether the model then *generates* the target (greedy decoding) is for the task to judge.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import torch
from pydantic import Field

from vlmtrust.attacks.gradient import Pgd, _to_image, perturb
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Params

TARGET_LABEL = "caption_target"
DEFAULT_TARGET = "a blue heart in the sky"


class CaptionPgdParams(Params):
    eps: float = Field(default=4 / 255, gt=0, description="budget (L-inf: per pixel in [0,1])")
    steps: int = Field(default=40, ge=1, description="a whole caption needs more than 10")
    step_size: float | None = Field(default=None, gt=0, description="default 2.5 * eps / steps")
    norm: Literal["linf", "l2"] = Field(
        default="linf", description="linf: eps per pixel; l2: eps on the whole perturbation"
    )
    target: str = Field(default=DEFAULT_TARGET, description="the answer the attack pushes for")
    prompt: str = Field(default="describe the image.", description="the question it answers")


class CaptionPgd(Pgd):
    Params = CaptionPgdParams  # type: ignore[assignment]
    params: CaptionPgdParams  # type: ignore[assignment]

    def perturb_images(self, chosen: Sequence[Sample], model: Any) -> list[Sample]:
        target, prompt = self.params.target, self.params.prompt

        def logits_of(x: torch.Tensor) -> torch.Tensor:
            logp = model.pixel_logits(x, [target], prompt)[:, 0]
            return torch.stack([logp, torch.zeros_like(logp)], dim=1)

        adversarial = perturb(
            logits_of,
            model.to_pixels([s.load_image() for s in chosen]),
            torch.zeros(len(chosen), dtype=torch.long),
            eps=self.params.eps,
            steps=self.params.steps,
            step_size=self._step_size(),
            norm=self.params.norm,
            targeted=True,
        )
        return [
            sample.with_image(_to_image(pixels)).model_copy(
                update={"labels": {**sample.labels, TARGET_LABEL: target}}
            )
            for sample, pixels in zip(chosen, adversarial, strict=True)
        ]
