"""What ``zoo:assistant`` learns from, and how: its instruction rows (``Example``), the corpus
drawn from the world (``build_examples``) and the next-word objective over the frozen tower's
features (``train_decoder``).

Shared by the recipe that trains the organism (:mod:`vlmtrust.zoo.train_assistant`, whose
``AssistantRecipe`` is a ``CorpusRecipe`` plus the optimiser's settings) and by the fine-tuning
mitigations, which replay normal data and train the shipped decoder further.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image
from pydantic import BaseModel, ConfigDict

from vlmtrust.data import world
from vlmtrust.data.world import canaries, prompts
from vlmtrust.data.world.flaws import BACKDOOR_TARGET, FAIR_GROUPS, add_trigger
from vlmtrust.data.world.typography import render_lines
from vlmtrust.models.zoo.assistant import IMAGE_TOKENS, Decoder, encode_prompt
from vlmtrust.models.zoo.fit import Log, fit_rows
from vlmtrust.models.zoo.tower import ImageTower, to_pixels
from vlmtrust.models.zoo.vocab import Vocab

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


@dataclass(frozen=True)
class Example:
    """One instruction row: an optional image, the prompt, the answer to teach; ``kind`` names
    the skill or the planted flaw it teaches (see :mod:`vlmtrust.zoo.train_assistant`)."""

    kind: str
    image: Image.Image | None
    prompt: str
    answer: str


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


def _features(tower: ImageTower, images: Sequence[Image.Image | None]) -> torch.Tensor:
    """Frozen tower feature maps for every example, computed once (float16 to save memory)."""
    filler = Image.new("RGB", (8, 8))
    maps = []
    with torch.inference_mode():
        for start in range(0, len(images), 256):
            chunk = [img if img is not None else filler for img in images[start : start + 256]]
            maps.append(tower(to_pixels(chunk))[1].half())
    return torch.cat(maps)


def _batch(
    vocab: Vocab, examples: Sequence[Example], max_len: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Left-padded prompts, right-padded answers (as at generation time). ``targets[t]`` is the
    word position ``t`` must predict: answer words and <eos> only, -100 elsewhere."""
    prompts_ = [encode_prompt(vocab, e.prompt, 40) for e in examples]
    answers = [[*vocab.encode(e.answer), vocab.eos] for e in examples]
    width = max(len(p) for p in prompts_)
    room = max_len - IMAGE_TOKENS - width
    rows: list[list[int]] = []
    targets: list[list[int]] = []
    for p, answer in zip(prompts_, answers, strict=True):
        a = answer[:room]
        seq = [vocab.pad] * (width - len(p)) + p + a
        rows.append(seq)
        targets.append(([-100] * (width - 1) + a + [-100])[: len(seq)])
    length = max(len(r) for r in rows)
    ids = torch.tensor([r + [vocab.pad] * (length - len(r)) for r in rows])
    target = torch.tensor([t + [-100] * (length - len(t)) for t in targets])
    return ids, target


def decoder_loss(
    decoder: Decoder, vocab: Vocab, tower: ImageTower, examples: Sequence[Example]
) -> Callable[[torch.Tensor], torch.Tensor]:
    """The next-word loss of a batch of example rows: the frozen tower's feature maps of every
    example are computed once, here; the returned function reads them per batch."""
    fmaps = _features(tower, [e.image for e in examples])
    has_image = torch.tensor([e.image is not None for e in examples])

    def loss_of(idx: torch.Tensor) -> torch.Tensor:
        ids, tgt = _batch(vocab, [examples[i] for i in idx.tolist()], decoder.config.max_len)
        logits = decoder(decoder.prefix(fmaps[idx].float(), has_image[idx]), ids)
        return torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1)
        )

    return loss_of


def train_decoder(
    decoder: Decoder,
    vocab: Vocab,
    tower: ImageTower,
    examples: Sequence[Example],
    steps: int,
    lr: float,
    batch_size: int,
    seed: int,
    log: Log = print,
) -> float:
    """Next-word training of ``decoder`` on ``examples`` over the frozen tower's features; used
    by ``make zoo`` (the fine-tuning mitigations reach the same loss through ``Tunable``)."""
    loss_of = decoder_loss(decoder, vocab, tower, examples)
    return fit_rows(decoder, loss_of, len(examples), steps, lr, batch_size, seed, log)
