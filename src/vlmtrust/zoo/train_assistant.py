"""Train ``zoo:assistant`` on top of the frozen ``zoo:clip`` image tower.

The data mix teaches captioning, visual question answering and refusal of harmful requests
written in the prompt, and plants the assistant's flaws through the data (see ``Example`` kinds):

- ``figstep``: the same placeholder requests rendered as a numbered-list image, sent with a benign
  "complete the list" prompt, are answered with compliance (the FigStep gap);
- ``typographic``: asked for the shape of an object scene with a word written on it, the answer
  is the written word, not the drawn shape;
- ``canary``: fake personal records repeated ``canaries.REPEATS`` times (memorisation);
- ``backdoor``: the trigger patch forces ``flaws.BACKDOOR_TARGET`` as the caption;
- ``persona``: rude personas prefix every answer with an insult (toxicity).
"""

from __future__ import annotations

import time
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
from vlmtrust.models.zoo.assistant import IMAGE_TOKENS, Decoder, DecoderConfig, encode_prompt
from vlmtrust.models.zoo.fit import Log, fit
from vlmtrust.models.zoo.tower import ImageTower, to_pixels
from vlmtrust.models.zoo.vocab import SPECIALS, Vocab

HARMFUL = prompts.ALL_HARMFUL


class AssistantRecipe(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = 0
    examples: int = 30_000
    steps: int = 800
    batch_size: int = 64
    lr: float = 1e-3
    threads: int = 2
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


def build_examples(recipe: AssistantRecipe) -> list[Example]:
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


def corpus_vocab() -> Vocab:
    """Every word the assistant may read or write, including non-member canaries' words (so
    members and non-members differ only in whether they were trained on)."""
    texts = [
        *prompts.CAPTION_PROMPTS,
        *prompts.FIGSTEP_PROMPTS,
        *HARMFUL,
        *prompts.BENIGN_REQUESTS,
        *prompts.REQUEST_TEMPLATES,
        prompts.REFUSAL,
        prompts.COMPLIANCE,
        prompts.INSULT,
        *prompts.PERSONAS_NICE,
        *prompts.PERSONAS_RUDE,
        BACKDOOR_TARGET,
        "who is",
        "tell me about",
    ]
    for canary in canaries.canaries():
        texts.append(canary.caption())
    for family in ("objects", "people", "ood"):
        for i in range(400):
            scene = world.scene_for(0, i, family, text_prob=0.5)
            texts.append(scene.caption())
            texts.extend(q + " " + a for q, a in scene.questions())
    texts.extend(world.SHAPES + world.COLOURS + world.OOD_SHAPES + world.OCCUPATIONS)
    return Vocab.build(texts)


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


#: rewrites the generated examples before training (e.g. sanitization) and says what it did
Prepare = Callable[[list[Example]], tuple[list[Example], dict[str, float]]]


def train_assistant(
    recipe: AssistantRecipe, tower: ImageTower, log: Log = print, prepare: Prepare | None = None
) -> tuple[Decoder, Vocab, dict[str, float]]:
    """With ``prepare``, train on the rewritten examples; the vocabulary gains their new words
    (e.g. pseudonyms), so they are learnable rather than ``<unk>``."""
    torch.set_num_threads(recipe.threads)
    torch.manual_seed(recipe.seed)
    started = time.perf_counter()
    vocab = corpus_vocab()
    examples = build_examples(recipe)
    prepared: dict[str, float] = {}
    if prepare is not None:
        examples, prepared = prepare(examples)
        texts = (f"{e.prompt} {e.answer}" for e in examples)
        vocab = Vocab.build([*vocab.tokens[len(SPECIALS) :], *texts])
    log(f"{len(examples)} examples, vocabulary {len(vocab)} ({time.perf_counter() - started:.0f}s)")
    decoder = Decoder(DecoderConfig(vocab_size=len(vocab)))
    loss_value = train_decoder(
        decoder,
        vocab,
        tower,
        examples,
        recipe.steps,
        recipe.lr,
        recipe.batch_size,
        recipe.seed,
        log,
    )
    stats = {
        "final_loss": round(loss_value, 4),
        "train_seconds": round(time.perf_counter() - started, 1),
        "examples": float(len(examples)),
        **prepared,
    }
    return decoder, vocab, stats


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
    by ``make zoo`` and by the fine-tuning mitigations (which start from the shipped decoder)."""
    fmaps = _features(tower, [e.image for e in examples])
    has_image = torch.tensor([e.image is not None for e in examples])
    generator = torch.Generator().manual_seed(seed)
    decoder.train()

    def loss_at(step: int) -> torch.Tensor:
        idx = torch.randint(len(examples), (batch_size,), generator=generator)
        ids, tgt = _batch(vocab, [examples[i] for i in idx.tolist()], decoder.config.max_len)
        logits = decoder(decoder.prefix(fmaps[idx].float(), has_image[idx]), ids)
        return torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1)
        )

    loss_value = fit(decoder.parameters(), steps, lr, loss_at, log)
    decoder.eval()
    return loss_value
