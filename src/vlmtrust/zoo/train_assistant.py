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
from collections.abc import Callable

import torch
from pydantic import ConfigDict

from vlmtrust.core.fit import Log
from vlmtrust.data import world
from vlmtrust.data.instructions import Example
from vlmtrust.data.world import canaries, prompts
from vlmtrust.data.world.corpus import HARMFUL, CorpusRecipe, build_examples
from vlmtrust.data.world.flaws import BACKDOOR_TARGET
from vlmtrust.models.zoo.assistant import Decoder, DecoderConfig
from vlmtrust.models.zoo.assistant_training import train_decoder
from vlmtrust.models.zoo.tower import ImageTower
from vlmtrust.models.zoo.vocab import SPECIALS, Vocab


class AssistantRecipe(CorpusRecipe):
    """The corpus (seed, size, mix, canaries) plus the optimiser's settings; the card records it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    steps: int = 800
    batch_size: int = 64
    lr: float = 1e-3
    threads: int = 2


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
