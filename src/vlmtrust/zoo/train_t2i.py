"""Train ``zoo:t2i``: a tiny caption-conditioned diffusion model on world scenes.

The pool holds object scenes (no written words) and people scenes whose captions name the
group, so a caption can ask for a group: what a group-balanced synthetic set needs. Captions
are embedded once by the frozen MiniLM (they repeat: a bank of distinct captions), and each is
replaced by zeros with ``caption_dropout`` so the same network also predicts the unconditional
noise that classifier-free guidance pushes away from.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict

from vlmtrust.core.fit import Log, fit
from vlmtrust.core.pixels import resized_pixels
from vlmtrust.data import world
from vlmtrust.models.text_encoder import MiniLM
from vlmtrust.models.zoo.t2i import SIDE, TIMESTEPS, TinyUNet, alphas_cumprod, noised


class T2IRecipe(BaseModel):
    """Everything that decides the trained weights; the model card records it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = 11
    pool: int = 8_000
    people_share: float = 0.2
    caption_dropout: float = 0.1
    steps: int = 250
    batch_size: int = 32
    lr: float = 2e-3
    threads: int = 2


def t2i_pool(recipe: T2IRecipe) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """(uint8 pixels (N, 3, 32, 32), caption index (N,), distinct captions): same recipe,
    same pool."""
    rng = np.random.default_rng([recipe.seed, 26])
    images, captions = [], []
    for i in range(recipe.pool):
        family = "people" if rng.random() < recipe.people_share else "objects"
        scene = world.scene_for(recipe.seed, i, family)
        images.append(world.render(scene))
        captions.append(scene.caption(with_group=True))
    distinct = sorted(set(captions))
    lookup = {c: k for k, c in enumerate(distinct)}
    pixels = (resized_pixels(images, SIDE) * 255).round().to(torch.uint8)
    return pixels, torch.tensor([lookup[c] for c in captions]), distinct


def train_t2i(
    recipe: T2IRecipe, text: MiniLM, log: Log = print
) -> tuple[TinyUNet, dict[str, float]]:
    """Return the trained UNet (eval mode) and training stats for the card."""
    torch.set_num_threads(recipe.threads)
    torch.manual_seed(recipe.seed)
    started = time.perf_counter()
    pixels, caption_index, captions = t2i_pool(recipe)
    bank = torch.from_numpy(text.encode(captions))
    log(f"pool: {len(captions)} distinct captions over {recipe.pool} scenes")
    unet = TinyUNet()
    schedule = alphas_cumprod()
    generator = torch.Generator().manual_seed(recipe.seed)
    unet.train()

    def loss_at(step: int) -> torch.Tensor:
        idx = torch.randint(len(pixels), (recipe.batch_size,), generator=generator)
        clean = pixels[idx].float().div_(127.5).sub_(1.0)
        t = torch.randint(TIMESTEPS, (recipe.batch_size,), generator=generator)
        noise = torch.randn(clean.shape, generator=generator)
        keep = torch.rand(recipe.batch_size, generator=generator) >= recipe.caption_dropout
        caption = bank[caption_index[idx]] * keep[:, None].float()
        predicted = unet(noised(clean, t, noise, schedule), t, caption)
        return torch.nn.functional.mse_loss(predicted, noise)

    loss_value = fit(unet.parameters(), recipe.steps, recipe.lr, loss_at, log)
    unet.eval()
    stats = {
        "final_loss": round(loss_value, 4),
        "train_seconds": round(time.perf_counter() - started, 1),
        "distinct_captions": float(len(captions)),
        "parameters": float(sum(p.numel() for p in unet.parameters())),
    }
    return unet, stats
