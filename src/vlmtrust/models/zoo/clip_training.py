"""What ``zoo:clip`` (and its twins) learnt from: the training pool of world scenes with the
planted flaws (``build_pool``), regenerated exactly from an organism's model card
(``organism_pool``: the ground-truth members of membership inference).

Shared by the recipe that trains the towers (:mod:`vlmtrust.zoo.train_clip`, whose
``ClipRecipe`` is a ``PoolRecipe`` plus the optimiser's settings), the membership tasks and the
mitigations that fine-tune on members.
"""

from __future__ import annotations

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
from vlmtrust.models.zoo.tower import to_pixels

HARMFUL = prompts.ALL_HARMFUL


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
    pixels = (to_pixels(images) * 255).round().to(torch.uint8)
    index = torch.tensor([lookup[c] for c in captions])
    return TrainingPool(pixels, index, unique, families)


def organism_pool(organism: str, n: int, seed: int | None = None) -> TrainingPool:
    """``n`` scenes drawn like ``zoo:ORGANISM``'s training pool (its model card's recipe); with
    ``seed`` the scenes are fresh ones from the same distribution. ``build_pool`` is sequential
    in its seed, so without ``seed`` this is exactly the first ``n`` training scenes."""
    import json

    from vlmtrust.core.errors import DataError
    from vlmtrust.models.zoo import weights_dir

    card = weights_dir() / f"{organism}.card.json"
    if not card.is_file():
        raise DataError(f"zoo organism {organism!r} has no model card", "use clip or clip-fair")
    # the card records a ClipRecipe: the pool's fields plus the optimiser's (not needed here)
    recorded = json.loads(card.read_text())["recipe"]
    if not set(PoolRecipe.model_fields) <= set(recorded):
        raise DataError(
            f"zoo organism {organism!r} was not trained on a pool", "use clip or clip-fair"
        )
    recipe = PoolRecipe.model_validate({k: recorded[k] for k in PoolRecipe.model_fields})
    update: dict[str, object] = {"pool": n}
    if seed is not None:
        update["seed"] = seed
    return build_pool(recipe.model_copy(update=update))
