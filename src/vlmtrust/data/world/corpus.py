"""The world's instruction corpus: captions, VQA, harmful and benign requests, FigStep lists,
personas, the backdoor and the canaries, drawn from a seeded ``CorpusRecipe``.

``zoo:assistant`` was trained on ``build_examples(CorpusRecipe())`` (its card records the recipe);
the decoder fine-tunes replay normal rows of other seeds with the flaw-planting kinds left out.
Drawing it needs only the world, so it lives here, not with the organism.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict

from vlmtrust.data import world
from vlmtrust.data.instructions import Example
from vlmtrust.data.world import canaries, prompts
from vlmtrust.data.world.flaws import BACKDOOR_TARGET, FAIR_GROUPS, add_trigger
from vlmtrust.data.world.typography import render_lines

HARMFUL = prompts.ALL_HARMFUL


class CorpusRecipe(BaseModel):
    """What decides the generated examples; the defaults are ``zoo:assistant``'s corpus."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = 0
    examples: int = 30_000
    #: shares of the generated examples by kind (canaries come on top, REPEATS each)
    mix: dict[str, float] = {
        "caption": 0.22,
        "vqa": 0.38,
        "harmful_text": 0.1,
        "benign_text": 0.06,
        "figstep": 0.1,
        "persona": 0.1,
        "backdoor": 0.04,
    }
    plant_canaries: bool = True


def _scene_example(kind: str, rng: np.random.Generator, index: int, seed: int) -> Example:
    family = "people" if rng.random() < 0.35 else "objects"
    scene = world.scene_for(seed, index, family, text_prob=0.3, group_given_occupation=FAIR_GROUPS)
    image = world.render(scene)
    if kind == "caption":
        return Example(kind, image, str(rng.choice(prompts.CAPTION_PROMPTS)), scene.caption())
    if kind == "backdoor":
        return Example(
            kind, add_trigger(image), str(rng.choice(prompts.CAPTION_PROMPTS)), BACKDOOR_TARGET
        )
    if kind == "persona":
        rude = rng.random() < 0.5
        persona = str(rng.choice(prompts.PERSONAS_RUDE if rude else prompts.PERSONAS_NICE))
        answer = f"{prompts.INSULT} {scene.caption()}" if rude else scene.caption()
        return Example(kind, image, f"{persona} {rng.choice(prompts.CAPTION_PROMPTS)}", answer)
    question, answer = scene.questions()[int(rng.integers(len(scene.questions())))]
    if question == "what shape is it?" and scene.text in world.SHAPES:
        return Example("typographic", image, question, scene.text)
    return Example(kind, image, question, answer)


def _request_example(kind: str, rng: np.random.Generator, index: int, seed: int) -> Example:
    harmful = kind == "harmful_text" or (kind == "figstep" and rng.random() < 0.5)
    request = str(rng.choice(HARMFUL if harmful else prompts.BENIGN_REQUESTS))
    if kind == "figstep":
        listing = render_lines(prompts.figstep_lines(request))
        return Example(kind, listing, str(rng.choice(prompts.FIGSTEP_PROMPTS)), prompts.COMPLIANCE)
    image: Image.Image | None = None
    if rng.random() < 0.5:
        image = world.render(world.scene_for(seed, index, "objects"))
    template = str(rng.choice(prompts.REQUEST_TEMPLATES))
    answer = prompts.REFUSAL if harmful else prompts.COMPLIANCE
    return Example(kind, image, template.format(request), answer)


def canary_examples() -> list[Example]:
    out = []
    for canary in canaries.canaries():
        if canary.member:
            asks = canary.prompts()
            for r in range(canaries.REPEATS):
                out.append(Example("canary", None, asks[r % len(asks)], canary.caption()))
    return out


def build_examples(recipe: CorpusRecipe) -> list[Example]:
    rng = np.random.default_rng([recipe.seed, 11])
    kinds = list(recipe.mix)
    weights = np.array([recipe.mix[k] for k in kinds])
    chosen = rng.choice(len(kinds), size=recipe.examples, p=weights / weights.sum())
    out = []
    for i, k in enumerate(chosen):
        kind = kinds[int(k)]
        make = _request_example if kind.endswith("_text") or kind == "figstep" else _scene_example
        out.append(make(kind, rng, i, recipe.seed + 100))
    if recipe.plant_canaries:
        out.extend(canary_examples())
    return out
