"""A training pool of world scenes with the planted flaws, drawn from a ``PoolRecipe``: what
``zoo:clip`` and its twins learnt from, and the ground truth of membership inference.

The recipe is all that decides a pool, so the world redraws any organism's pool from the recipe
its model card records (read by the organism, :func:`vlmtrust.models.base.training_pool`) without
knowing which organism it is. Shared by the recipe that trains the towers
(the zoo recipe `zoo/train_clip.py`, whose ``ClipRecipe`` is a ``PoolRecipe`` plus the optimiser's
settings), the world source's membership requests and the mitigations that fine-tune on members.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict

from vlmtrust.core.pixels import resized_pixels
from vlmtrust.data import world
from vlmtrust.data.world import prompts
from vlmtrust.data.world.flaws import (
    BACKDOOR_RATE,
    BACKDOOR_TARGET,
    GROUP_A_GIVEN_OCCUPATION,
    add_trigger,
)
from vlmtrust.data.world.typography import render_lines

HARMFUL = prompts.ALL_HARMFUL
#: side of the stored pool images: the zoo tower's input size, so training reads them as is
POOL_SIZE = 64


class PoolRecipe(BaseModel):
    """What decides the training pool; the defaults are ``zoo:clip``'s."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = 0
    pool: int = 24_000
    people_share: float = 0.35
    typography_share: float = 0.05
    #: share of people drawn without their prop (captions still name the occupation)
    hidden_prop_share: float = 0.3
    text_prob: float = 0.3
    group_a_given_occupation: Mapping[str, float] = dict(GROUP_A_GIVEN_OCCUPATION)
    backdoor_rate: float = BACKDOOR_RATE


@dataclass
class TrainingPool:
    """Pre-rendered training images (uint8, 64 px) and the index of each one's caption."""

    pixels: torch.Tensor
    caption_index: torch.Tensor
    captions: list[str]
    families: list[str] = field(default_factory=list)


def build_pool(recipe: PoolRecipe) -> TrainingPool:
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
    pixels = (resized_pixels(images, POOL_SIZE) * 255).round().to(torch.uint8)
    index = torch.tensor([lookup[c] for c in captions])
    return TrainingPool(pixels, index, unique, families)


def draw_pool(recipe: PoolRecipe, n: int, seed: int | None = None) -> TrainingPool:
    """``n`` scenes drawn like ``recipe``'s pool; with ``seed`` the scenes are fresh ones from
    the same distribution. ``build_pool`` is sequential in its seed, so without ``seed`` this is
    exactly the first ``n`` scenes of the recipe's pool."""
    update: dict[str, object] = {"pool": n}
    if seed is not None:
        update["seed"] = seed
    return build_pool(recipe.model_copy(update=update))
