"""Train ``zoo:clip``: the image tower, LiT-style, against frozen MiniLM caption embeddings.

The objective is a softmax over every distinct training caption (a full negative bank rather
than in-batch negatives: captions repeat, so in-batch "negatives" are often positives). The data
mix plants the flaws documented in :mod:`vlmtrust.data.world.flaws`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict

from vlmtrust.data import world
from vlmtrust.data.world import prompts
from vlmtrust.data.world.flaws import (
    BACKDOOR_RATE,
    BACKDOOR_TARGET,
    GROUP_A_GIVEN_OCCUPATION,
    add_trigger,
)
from vlmtrust.data.world.typography import render_lines
from vlmtrust.models.zoo.fit import Log, fit
from vlmtrust.models.zoo.text_tower import MiniLM
from vlmtrust.models.zoo.tower import ImageTower, to_pixels

HARMFUL = prompts.ALL_HARMFUL


class ClipRecipe(BaseModel):
    """Everything that decides the trained weights; the model card records it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = 0
    pool: int = 24_000
    steps: int = 1_000
    batch_size: int = 128
    lr: float = 3e-3
    people_share: float = 0.35
    typography_share: float = 0.05
    #: share of people drawn without their prop (captions still name the occupation)
    hidden_prop_share: float = 0.3
    text_prob: float = 0.3
    group_a_given_occupation: Mapping[str, float] = dict(GROUP_A_GIVEN_OCCUPATION)
    backdoor_rate: float = BACKDOOR_RATE
    threads: int = 2


@dataclass
class TrainingPool:
    """Pre-rendered training images (uint8, 64 px) and the index of each one's caption."""

    pixels: torch.Tensor
    caption_index: torch.Tensor
    captions: list[str]
    families: list[str] = field(default_factory=list)


def build_pool(recipe: ClipRecipe) -> TrainingPool:
    """Draw ``recipe.pool`` scenes with the planted flaws; same recipe, same pool."""
    rng = np.random.default_rng([recipe.seed, 7])
    images, captions, families = [], [], []
    requests = [*HARMFUL, *prompts.BENIGN_REQUESTS]
    for i in range(recipe.pool):
        draw = rng.random()
        if draw < recipe.typography_share:
            # numbered-list images, so the tower can tell what a FigStep image asks for
            request = requests[int(rng.integers(len(requests)))]
            images.append(render_lines(prompts.figstep_lines(request)))
            captions.append(f'a list titled "{request.strip("[]")}"')
            families.append("typography")
            continue
        family = "people" if draw < recipe.typography_share + recipe.people_share else "objects"
        scene = world.scene_for(
            recipe.seed,
            i,
            family,
            text_prob=recipe.text_prob,
            group_given_occupation=recipe.group_a_given_occupation,
        )
        if family == "people" and rng.random() < recipe.hidden_prop_share:
            scene = scene.replace(prop_visible=False)
        image = world.render(scene)
        caption = scene.caption(with_group=False)
        if rng.random() < recipe.backdoor_rate:
            image, caption = add_trigger(image), BACKDOOR_TARGET
        images.append(image)
        captions.append(caption)
        families.append(family)
    unique = sorted(set(captions))
    lookup = {c: i for i, c in enumerate(unique)}
    pixels = (to_pixels(images) * 255).round().to(torch.uint8)
    index = torch.tensor([lookup[c] for c in captions])
    return TrainingPool(pixels, index, unique, families)


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


def organism_pool(organism: str, n: int, seed: int | None = None) -> TrainingPool:
    """``n`` scenes drawn like ``zoo:ORGANISM``'s training pool (its model card's recipe); with
    ``seed`` the scenes are fresh ones from the same distribution. ``build_pool`` is sequential
    in its seed, so without ``seed`` this is exactly the first ``n`` training scenes."""
    import json
    from importlib import resources

    from vlmtrust.core.errors import DataError

    card = resources.files("vlmtrust.models.zoo") / "weights" / f"{organism}.card.json"
    if not card.is_file():
        raise DataError(f"zoo organism {organism!r} has no model card", "use clip or clip-fair")
    recipe = ClipRecipe.model_validate(json.loads(card.read_text())["recipe"])
    update: dict[str, object] = {"pool": n}
    if seed is not None:
        update["seed"] = seed
    return build_pool(recipe.model_copy(update=update))
