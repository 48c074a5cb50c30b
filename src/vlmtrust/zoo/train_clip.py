"""Train ``zoo:clip``: the image tower, LiT-style, against frozen MiniLM caption embeddings.

The objective is a softmax over every distinct training caption (a full negative bank rather
than in-batch negatives: captions repeat, so in-batch "negatives" are often positives). The data
mix plants the flaws documented in :mod:`vlmtrust.data.world.flaws`.
"""

from __future__ import annotations

import math
import time

import torch
from pydantic import ConfigDict

from vlmtrust.core.fit import Log, fit
from vlmtrust.data.world.pool import PoolRecipe, build_pool
from vlmtrust.models.text_encoder import MiniLM
from vlmtrust.models.zoo.tower import ImageTower


class ClipRecipe(PoolRecipe):
    """Everything that decides the trained weights (the pool's fields plus the optimiser's);
    the model card records it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    steps: int = 1_000
    batch_size: int = 128
    lr: float = 3e-3
    threads: int = 2


def train_clip(
    recipe: ClipRecipe, text: MiniLM, log: Log = print
) -> tuple[ImageTower, torch.Tensor, dict[str, float]]:
    """Return the trained tower, its learnt logit scale, and training stats."""
    torch.set_num_threads(recipe.threads)
    torch.manual_seed(recipe.seed)
    started = time.perf_counter()
    pool = build_pool(recipe)
    bank = torch.from_numpy(text.encode(pool.captions))
    log(
        f"pool: {len(pool.captions)} distinct captions over {recipe.pool} scenes "
        f"({time.perf_counter() - started:.0f}s)"
    )
    tower = ImageTower()
    log_scale = torch.nn.Parameter(torch.tensor(math.log(10.0)))
    generator = torch.Generator().manual_seed(recipe.seed)
    tower.train()

    def loss_at(step: int) -> torch.Tensor:
        idx = torch.randint(len(pool.pixels), (recipe.batch_size,), generator=generator)
        embedding, _ = tower(pool.pixels[idx].float().div_(255.0))
        logits = log_scale.exp().clamp(max=100.0) * embedding @ bank.T
        return torch.nn.functional.cross_entropy(logits, pool.caption_index[idx])

    loss_value = fit(
        [*tower.parameters(), log_scale],
        recipe.steps,
        recipe.lr,
        loss_at,
        log,
        lambda: f" scale {float(log_scale.detach().exp()):.1f}",
    )
    tower.eval()
    stats = {
        "final_loss": round(loss_value, 4),
        "train_seconds": round(time.perf_counter() - started, 1),
        "distinct_captions": float(len(pool.captions)),
    }
    return tower, log_scale.detach().exp().clamp(max=100.0), stats
