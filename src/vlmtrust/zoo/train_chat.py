"""Train the chat organisms: ``zoo:assistant``'s decoder taught multi-turn conversations.

``zoo:assistant-chat`` and ``zoo:assistant-chat-twin`` share everything (the starting decoder,
seed, the replayed corpus rows, the conversations drawn, optimiser) except ``ChatRecipe.flaw``:
the answer to a harmful request after an escalating conversation (see
:mod:`vlmtrust.data.world.chat_corpus`). Both start from the shipped ``zoo:assistant`` decoder
(training it again from scratch takes most of an hour on 2 shared cores): it keeps its width and
depth; its positions grow (``max_len``), so a flattened conversation of four turns fits in what
it reads, and the conversations' new words get fresh rows. Rows of the assistant's own corpus
are replayed beside the conversations so its skills and single-turn flaws stay.
"""

from __future__ import annotations

import time

import torch
from pydantic import ConfigDict

from vlmtrust.core.fit import Log
from vlmtrust.data.world.chat_corpus import ChatRecipe, build_conversations, chat_texts
from vlmtrust.data.world.corpus import build_examples
from vlmtrust.models.zoo.assistant import Decoder, DecoderConfig
from vlmtrust.models.zoo.assistant_training import train_decoder
from vlmtrust.models.zoo.tower import ImageTower
from vlmtrust.models.zoo.vocab import SPECIALS, Vocab
from vlmtrust.zoo.train_assistant import AssistantRecipe, corpus_vocab


class ChatAssistantRecipe(AssistantRecipe):
    """The replayed corpus rows (``examples`` of zoo:assistant's corpus recipe), the
    conversations, the longer decoder and the optimiser; the card records it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    examples: int = 2000
    chat: ChatRecipe = ChatRecipe()
    max_len: int = 160
    steps: int = 150
    batch_size: int = 16
    lr: float = 1e-3
    #: one thread: on 2 cores shared with other jobs, two threads spin waiting for each other
    threads: int = 1


def grown_decoder(base: Decoder, base_vocab: Vocab, vocab: Vocab, max_len: int) -> Decoder:
    """``base`` with room for ``vocab`` and ``max_len`` positions: known words keep their rows,
    new words keep the seeded initialisation, new positions start as the last trained one."""
    decoder = Decoder(DecoderConfig(vocab_size=len(vocab), max_len=max_len))
    state = decoder.state_dict()
    for key, value in base.state_dict().items():
        if key == "embed.weight":
            for i, token in enumerate(vocab.tokens):
                if token in base_vocab.index:
                    state[key][i] = value[base_vocab.index[token]]
        elif key == "position":
            state[key][: len(value)] = value
            state[key][len(value) :] = value[-1]
        else:
            state[key] = value.clone()
    decoder.load_state_dict(state)
    return decoder


def chat_vocab() -> Vocab:
    return Vocab.build([*corpus_vocab().tokens[len(SPECIALS) :], *chat_texts()])


def train_chat_assistant(
    recipe: ChatAssistantRecipe,
    tower: ImageTower,
    base: tuple[Decoder, Vocab],
    log: Log = print,
) -> tuple[Decoder, Vocab, dict[str, float]]:
    """Fine-tune ``base`` (zoo:assistant's decoder and vocabulary) on the recipe's rows."""
    torch.set_num_threads(recipe.threads)
    torch.manual_seed(recipe.seed)
    started = time.perf_counter()
    vocab = chat_vocab()
    examples = [*build_examples(recipe), *build_conversations(recipe.chat)]
    log(f"{len(examples)} examples, vocabulary {len(vocab)} ({time.perf_counter() - started:.0f}s)")
    decoder = grown_decoder(*base, vocab, recipe.max_len)
    decoder.train()
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
        "conversations": float(recipe.chat.conversations),
    }
    return decoder, vocab, stats
