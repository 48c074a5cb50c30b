"""``mixgen``: MixGen augmentation fine-tune of a CLIP's image tower (Hao et al. 2023, "MixGen:
A New Multi-Modal Data Augmentation"), on the replay scenes of a zoo model or the captioned
images of ``train_data`` (any model).

A MixGen pair is two training samples merged into one: the images interpolated pixel-wise,
``lam * a + (1 - lam) * b`` (``lam=0.5`` as in the paper), and the two captions concatenated. It
keeps the image-text correspondence while making new pairs, and an image that holds two
half-contrast scenes is one a model can only match if it does not lean on full contrast or on
one salient cue. Each batch replaces ``mix_share`` of its samples with MixGen pairs; the pairs
are drawn once from the training images (``pairs`` of them) so their early features and caption
embeddings are computed once. The last ``tuned_blocks`` blocks and the projection train, as in
``resample``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from pydantic import Field

from vlmtrust.core.spec import Params
from vlmtrust.mitigations.trainers.training.tower_finetune import (
    CaptionBank,
    SplitTower,
    TowerStepParams,
    TowerTrainer,
    captioned_pixels,
    data_count,
    info_nce,
)


class MixgenParams(TowerStepParams):
    objects: int = Field(default=600, ge=1, description="object scenes replayed")
    people: int = Field(default=150, ge=0, description="people scenes replayed (no group bias)")
    pairs: int = Field(default=500, ge=1, description="MixGen pairs drawn from the images")
    lam: float = Field(default=0.5, gt=0.0, lt=1.0, description="image interpolation weight")
    mix_share: float = Field(
        default=0.5, ge=0.0, le=1.0, description="share of each batch that is MixGen pairs"
    )


def mix_images(a: torch.Tensor, b: torch.Tensor, lam: float) -> torch.Tensor:
    """MixGen's image half: a pixel-wise linear interpolation."""
    return lam * a + (1.0 - lam) * b


def mix_captions(a: str, b: str) -> str:
    """MixGen's text half: the two captions concatenated."""
    return f"{a} {b}"


class Mixgen(TowerTrainer):
    Params: ClassVar[type[Params]] = MixgenParams

    def _train(self, model: Any, params: MixgenParams) -> tuple[Any, dict[str, Any]]:
        generator, pixels, captions = captioned_pixels(params, model, self.spec.name)
        first = torch.randint(len(captions), (params.pairs,), generator=generator)
        # the partner is any other image: a pair with itself would be no augmentation
        offset = torch.randint(1, len(captions), (params.pairs,), generator=generator)
        second = (first + offset) % len(captions)
        mixed_pixels = mix_images(pixels[first], pixels[second], params.lam)
        mixed_captions = [
            mix_captions(captions[int(a)], captions[int(b)])
            for a, b in zip(first, second, strict=True)
        ]
        bank = CaptionBank(model, captions + mixed_captions)
        split = SplitTower(model, params.tuned_blocks)
        early = split.early(torch.cat([pixels, mixed_pixels]))
        target = bank.index(captions + mixed_captions)
        n_plain = len(captions)
        n_mixed = round(params.batch_size * params.mix_share) if params.pairs else 0
        optimiser = torch.optim.Adam(split.parameters(), params.lr)
        scale = model.logit_scale()
        loss_value = 0.0
        for _ in range(params.steps):
            plain = torch.randint(n_plain, (params.batch_size - n_mixed,), generator=generator)
            mixed = n_plain + torch.randint(params.pairs, (n_mixed,), generator=generator)
            picked = torch.cat([plain, mixed])
            loss = info_nce(scale, split.embed(early[picked]), bank.embeddings, target[picked])
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            loss_value = float(loss.detach())
        return split.done(), {
            "final_loss": round(loss_value, 4),
            **data_count(params, n_plain),
            "mixgen_pairs": params.pairs,
            "distinct_captions": len(bank.captions),
        }
