"""``align``: fine-tune a CLIP's image projection to close the modality gap (Liang et al. 2022,
"Mind the Gap"; the review's cross-modal alignment direction), on the replay scenes of a zoo
model or the captioned images of ``train_data`` (any model).

zoo:clip's image embeddings sit in a cone of their own, far from the frozen MiniLM caption
embeddings (centroid gap 0.60), though each image still ranks its own caption first. Only the
last linear projection trains (every conv feature is computed once), against InfoNCE on the
caption bank, which keeps the ranking, plus ``gap_weight`` x the squared distance between the
batch's image centroid and its captions' centroid, which moves the image cloud onto the text
cloud. The text tower is frozen, so the images move to the text, never the reverse.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from pydantic import Field

from vlmtrust.core.spec import Params
from vlmtrust.mitigations.trainers.training.tower_finetune import (
    CaptionBank,
    ReplayParams,
    SplitTower,
    TowerTrainer,
    captioned_pixels,
    data_count,
    info_nce,
)


class AlignParams(ReplayParams):
    gap_weight: float = Field(
        default=10.0, ge=0.0, description="weight of the squared centroid gap beside InfoNCE"
    )
    steps: int = Field(default=300, ge=1, description="Adam steps on the image projection")
    lr: float = Field(default=1e-3, gt=0.0, description="Adam learning rate")
    batch_size: int = Field(default=256, ge=2, description="captioned images per step")


def centroid_gap_loss(images: torch.Tensor, texts: torch.Tensor) -> torch.Tensor:
    """Squared L2 distance between the mean image and the mean text embedding of a batch."""
    return (images.mean(dim=0) - texts.mean(dim=0)).pow(2).sum()


class Align(TowerTrainer):
    Params: ClassVar[type[Params]] = AlignParams

    def _train(self, model: Any, params: AlignParams) -> tuple[Any, dict[str, Any]]:
        generator, pixels, captions = captioned_pixels(params, model, self.spec.name)
        bank = CaptionBank(model, captions)
        target = bank.index(captions)
        split = SplitTower(model)
        with torch.no_grad():  # only the projection trains: pool the features once
            pooled = split.pooled(split.early(pixels))
        optimiser = torch.optim.Adam(split.parameters(head=False), params.lr)
        scale = model.logit_scale()
        stats = {"loss": 0.0, "gap": 0.0}
        for _ in range(params.steps):
            picked = torch.randint(len(captions), (params.batch_size,), generator=generator)
            embedding = split.embed_pooled(pooled[picked])
            texts = bank.embeddings[target[picked]]
            gap = centroid_gap_loss(embedding, texts)
            loss = info_nce(scale, embedding, bank.embeddings, target[picked])
            loss = loss + params.gap_weight * gap
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            stats = {"loss": float(loss.detach()), "gap": float(gap.detach()) ** 0.5}
        return split.done(), {
            "final_loss": round(stats["loss"], 4),
            "final_batch_gap": round(stats["gap"], 4),
            **data_count(params, len(captions)),
        }
