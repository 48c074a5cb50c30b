"""``outlier_exposure``: fine-tune a CLIP's image tower so unfamiliar inputs get flat zero-shot
predictions (Hendrycks et al. 2019, "Deep Anomaly Detection with Outlier Exposure").

Each step pairs a batch of training images (InfoNCE against their captions, as the organism
was trained) with a batch of auxiliary outliers whose zero-shot distribution over the class
prompts is pulled towards uniform (cross-entropy to the uniform target, weight ``oe_weight``).
The outliers are mosaics of ``tile`` px tiles cut from random training images and shuffled:
every colour and texture of the training data, no object. They are made from the training
images only, never from an OOD set a task measures on.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from pydantic import Field

from vlmtrust.core.spec import Params, PromptTemplate
from vlmtrust.data import world
from vlmtrust.mitigations.trainers.training.tower_finetune import (
    CaptionBank,
    SplitTower,
    TowerStepParams,
    TowerTrainer,
    captioned_pixels,
    data_count,
    info_nce,
)


class OutlierExposureParams(TowerStepParams):
    outliers: int = Field(default=800, ge=1, description="tile mosaics made as outliers")
    tile: int = Field(default=8, ge=2, description="side of a mosaic tile, in model pixels")
    oe_weight: float = Field(default=0.5, ge=0.0, description="weight of the outlier loss")
    classes: tuple[str, ...] = Field(
        default=tuple(world.SHAPES), description="class names whose prompts outliers flatten"
    )
    template: PromptTemplate = Field(
        default="a photo of a {}.", description="zero-shot prompt per class ('{}': the class)"
    )


def tile_mosaics(
    pixels: torch.Tensor, n: int, tile: int, generator: torch.Generator
) -> torch.Tensor:
    """``n`` images each made of ``tile``-px tiles taken from random images at random grid cells."""
    _, channels, height, width = pixels.shape
    rows, cols = height // tile, width // tile
    tiles = pixels[:, :, : rows * tile, : cols * tile]
    tiles = tiles.unfold(2, tile, tile).unfold(3, tile, tile)  # N, C, rows, cols, t, t
    tiles = tiles.permute(0, 2, 3, 1, 4, 5).reshape(-1, channels, tile, tile)
    picked = torch.randint(len(tiles), (n, rows * cols), generator=generator)
    chosen = tiles[picked].reshape(n, rows, cols, channels, tile, tile)
    mosaic = chosen.permute(0, 3, 1, 4, 2, 5).reshape(n, channels, rows * tile, cols * tile)
    out = pixels[:1].expand(n, -1, -1, -1).clone()
    out[:, :, : rows * tile, : cols * tile] = mosaic
    return out


def uniform_cross_entropy(logits: torch.Tensor) -> torch.Tensor:
    """Cross-entropy from the uniform distribution: minimal when every class is equally likely."""
    return -torch.log_softmax(logits, dim=-1).mean(dim=-1).mean()


class OutlierExposure(TowerTrainer):
    Params: ClassVar[type[Params]] = OutlierExposureParams

    def _train(self, model: Any, params: OutlierExposureParams) -> tuple[Any, dict[str, Any]]:
        generator, pixels, captions = captioned_pixels(params, model, self.spec.name)
        outliers = tile_mosaics(pixels, params.outliers, params.tile, generator)
        bank = CaptionBank(model, captions)
        prompts = model.text_targets([params.template.format(c) for c in params.classes])
        split = SplitTower(model, params.tuned_blocks)
        early = split.early(torch.cat([pixels, outliers]))
        target = bank.index(captions)
        n_plain = len(captions)
        optimiser = torch.optim.Adam(split.parameters(), params.lr)
        scale = model.logit_scale()
        fit_loss = flat_loss = 0.0
        for _ in range(params.steps):
            plain = torch.randint(n_plain, (params.batch_size,), generator=generator)
            odd = torch.randint(params.outliers, (params.batch_size,), generator=generator)
            odd += n_plain
            fit = info_nce(scale, split.embed(early[plain]), bank.embeddings, target[plain])
            flat = uniform_cross_entropy(scale * split.embed(early[odd]) @ prompts.T)
            loss = fit + params.oe_weight * flat
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            fit_loss, flat_loss = float(fit.detach()), float(flat.detach())
        return split.done(), {
            "final_loss": round(fit_loss, 4),
            "final_outlier_loss": round(flat_loss, 4),
            **data_count(params, n_plain),
            "outlier_mosaics": params.outliers,
        }
