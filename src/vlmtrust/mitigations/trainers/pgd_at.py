"""``pgd_at``: pixel adversarial fine-tuning of a CLIP (zoo or ``hf:``), TeCoA-style (Mao et al.
2023, "Understanding Zero-Shot Adversarial Robustness for Large-Scale Models").

Each step attacks a batch of training scenes with our own L-inf PGD (``attacks.gradient.perturb``)
against the zero-shot classifier the frozen text tower defines, through the *whole* image tower
(the real pixel threat model, not a feature-space stand-in), then trains the tower's last block(s)
and projection to classify the adversarial images by cross-entropy to the true class prompt. The
label sets (the world's, or ``train_data``'s label columns) are attacked jointly: one PGD ascends
the sum of their (e.g. shape and colour) cross-entropies, written as a single cross-entropy over
the product classes (logit ``l_shape[i] + l_colour[j]``; its log-softmax factorises into the two),
so ``perturb`` is reused as it is. Beyond TeCoA, the loss adds ``clean_weight`` x the clean
cross-entropy (``clean_weight=0`` is TeCoA as published), which keeps clean accuracy; training
uses a cheaper attack (3 steps) than the 10-step PGD it is judged by.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import torch
from pydantic import Field
from torch import nn

from vlmtrust.attacks.gradient import perturb
from vlmtrust.core.spec import Params
from vlmtrust.mitigations.trainers.training.adversarial_finetune import (
    AdversarialFinetune,
    AdversarialFinetuneParams,
    Job,
    Steps,
)


class PgdAtParams(AdversarialFinetuneParams):
    eps: float = Field(default=2 / 255, gt=0.0, description="L-inf training budget")
    attack_steps: int = Field(default=3, ge=1, description="PGD steps per training batch")
    steps: int = Field(default=40, ge=1, description="training steps")
    batch_size: int = Field(default=32, ge=2, description="scenes per training step")
    clean_weight: float = Field(default=0.5, ge=0.0, description="0 = TeCoA as published")


def joint_logits(logits: Sequence[torch.Tensor]) -> torch.Tensor:
    """Logits over the product of several label sets: ``sum_j logits_j[c_j]`` for every
    combination, so cross-entropy to the joint class equals the sum of the cross-entropies."""
    joint = logits[0]
    for more in logits[1:]:
        joint = (joint[:, :, None] + more[:, None, :]).flatten(1)
    return joint


def joint_target(targets: Sequence[torch.Tensor], sizes: Sequence[int]) -> torch.Tensor:
    """The product class index matching ``joint_logits`` (row-major over the label sets)."""
    index = targets[0]
    for target, size in zip(targets[1:], sizes[1:], strict=True):
        index = index * size + target
    return index


class PgdAt(AdversarialFinetune):
    Params: ClassVar[type[Params]] = PgdAtParams

    def train(self, job: Job) -> Mapping[str, Any]:
        split, data, banks, scale = job.split, job.data, job.banks, job.scale
        params = self.params
        assert isinstance(params, PgdAtParams)
        labels = list(banks)
        run = Steps(split, data.pixels, params.lr, params.seed)
        sizes = [len(banks[label]) for label in labels]

        def logits_of(pixels: torch.Tensor) -> torch.Tensor:
            embedding = split.tower(pixels)[0]
            return joint_logits([scale * embedding @ banks[label].T for label in labels])

        adversarial_loss = clean_loss = 0.0
        for picked in run.batches(params.steps, params.batch_size):
            targets = [data.targets[label][picked] for label in labels]
            attacked = perturb(
                logits_of,
                data.pixels[picked],
                joint_target(targets, sizes),
                eps=params.eps,
                steps=params.attack_steps,
                step_size=2.5 * params.eps / params.attack_steps,
                norm="linf",
                targeted=False,
            )
            attacked_early = split.early(attacked, batch=len(attacked))
            on_attacked, on_clean = split.embed(attacked_early), split.embed(run.early[picked])
            pairs = list(zip(labels, targets, strict=True))
            ce = nn.functional.cross_entropy
            adversarial = torch.stack([ce(scale * on_attacked @ banks[k].T, t) for k, t in pairs])
            clean = torch.stack([ce(scale * on_clean @ banks[k].T, t) for k, t in pairs])
            adversarial, clean = adversarial.sum(), clean.sum()
            loss = adversarial + params.clean_weight * clean
            run.update(loss)
            adversarial_loss, clean_loss = float(adversarial.detach()), float(clean.detach())
        return {
            "final_adversarial_loss": round(adversarial_loss, 4),
            "final_clean_loss": round(clean_loss, 4),
        }
