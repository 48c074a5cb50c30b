"""``villa``: adversarial fine-tuning of a CLIP (zoo or ``hf:``) in the embedding space (Gan et
al. 2020, "Large-Scale Adversarial Training for Vision-and-Language Representation Learning").

VILLA perturbs embeddings instead of pixels and trains against the perturbation with a
cross-entropy term on the perturbed prediction plus a KL consistency term between the clean and
the perturbed prediction. Here the perturbation is the *exact* worst case inside an L2 ball that
``robustness.embedding_attack`` measures, so no inner optimiser is needed: on the image side the
unit image embedding ``u`` moves by ``image_radius`` toward the rival prompt that breaks first
(``argmin_k u.(t_y - t_k) / |t_y - t_k|``, direction ``(t_k - t_y) / |t_k - t_y|``); on the text
side every class prompt moves by ``text_radius`` independently, the worst case of which lowers the
true logit by ``r`` and raises every other by ``r`` (``|u| = 1``). The perturbation is a constant
of each step (as in VILLA); gradients flow through the clean embedding. Only the tower's last
block(s) and projection train, on embeddings of cached early features, so a step costs one small
forward and backward: this is robustness in the embedding space, and pixel robustness is what the
scan then measures (``robustness.adversarial``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import torch
from pydantic import Field
from torch import nn

from vlmtrust.core.spec import Params
from vlmtrust.mitigations.trainers.training.adversarial_finetune import (
    AdversarialFinetune,
    AdversarialFinetuneParams,
    Job,
    Steps,
)


class VillaParams(AdversarialFinetuneParams):
    image_radius: float = Field(default=0.2, ge=0.0, description="L2 ball on image embeddings")
    text_radius: float = Field(default=0.0, ge=0.0, description="L2 ball on each class prompt")
    adversarial_weight: float = Field(default=1.0, ge=0.0, description="CE on perturbed logits")
    kl_weight: float = Field(default=1.0, ge=0.0, description="KL(clean || perturbed)")
    steps: int = Field(default=150, ge=1, description="training steps")
    batch_size: int = Field(default=128, ge=2, description="scenes per training step")


def worst_image_shift(
    embeddings: torch.Tensor, bank: torch.Tensor, truth: torch.Tensor, radius: float
) -> torch.Tensor:
    """The L2 shift of norm ``radius`` that brings each unit image embedding closest to
    misclassification: toward the rival prompt with the smallest margin over distance (the
    closed form of ``embedding_attack.breaking_radii``, as a direction)."""
    with torch.no_grad():
        true_prompt = bank[truth]  # (B, D)
        differences = true_prompt[:, None, :] - bank[None]  # t_y - t_k, (B, K, D)
        gaps = differences.norm(dim=2)
        margins = (embeddings[:, None, :] * differences).sum(dim=2)
        ratios = torch.where(gaps > 0, margins / gaps.clamp(min=1e-12), torch.inf)
        rival = ratios.argmin(dim=1)
        gap = gaps[torch.arange(len(truth)), rival].clamp(min=1e-12)
        shift: torch.Tensor = radius * (bank[rival] - true_prompt) / gap[:, None]
        return shift


def worst_text_logits(
    cosines: torch.Tensor, truth: torch.Tensor, radius: float, scale: float
) -> torch.Tensor:
    """Logits when every class prompt moves by ``radius`` independently, each the worst way for
    a unit image embedding: the true class's cosine drops by r, every other rises by r."""
    sign = torch.ones_like(cosines)
    sign[torch.arange(len(truth)), truth] = -1.0
    return scale * (cosines + radius * sign)


class Villa(AdversarialFinetune):
    Params: ClassVar[type[Params]] = VillaParams

    def train(self, job: Job) -> Mapping[str, Any]:
        split, data, banks, scale = job.split, job.data, job.banks, job.scale
        params = self.params
        assert isinstance(params, VillaParams)
        run = Steps(split, data.pixels, params.lr, params.seed)
        totals = {"clean": 0.0, "adversarial": 0.0, "kl": 0.0}
        for picked in run.batches(params.steps, params.batch_size):
            embeddings = split.embed(run.early[picked])
            terms: dict[str, list[torch.Tensor]] = {"clean": [], "adversarial": [], "kl": []}
            for label, bank in banks.items():
                truth = data.targets[label][picked]
                clean = scale * embeddings @ bank.T
                perturbed = []
                if params.image_radius > 0:
                    shift = worst_image_shift(embeddings, bank, truth, params.image_radius)
                    perturbed.append(scale * (embeddings + shift) @ bank.T)
                if params.text_radius > 0:
                    perturbed.append(
                        worst_text_logits(embeddings @ bank.T, truth, params.text_radius, scale)
                    )
                terms["clean"].append(nn.functional.cross_entropy(clean, truth))
                for logits in perturbed:
                    terms["adversarial"].append(nn.functional.cross_entropy(logits, truth))
                    terms["kl"].append(
                        nn.functional.kl_div(
                            logits.log_softmax(1),
                            clean.log_softmax(1),
                            log_target=True,
                            reduction="batchmean",
                        )
                    )
            summed = {k: torch.stack(v).sum() if v else torch.zeros(()) for k, v in terms.items()}
            loss = (
                summed["clean"]
                + params.adversarial_weight * summed["adversarial"]
                + params.kl_weight * summed["kl"]
            )
            run.update(loss)
            totals = {k: float(v.detach()) for k, v in summed.items()}
        return {f"final_{k}_loss": round(v, 4) for k, v in totals.items()}
