"""Train the chat organisms: ``zoo:assistant``'s recipe plus multi-turn conversations.

``zoo:assistant-chat`` and ``zoo:assistant-chat-twin`` share everything (seed, corpus, the
conversations drawn, optimiser) except ``ChatRecipe.flaw``: the answer to a harmful request after
an escalating conversation (see :mod:`vlmtrust.data.world.chat_corpus`). The decoder has the
assistant's width and depth; only its positions grow (``max_len``), so a flattened conversation
of four turns fits in what it reads.
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
    """zoo:assistant's recipe, its conversations and the longer decoder; the card records it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    chat: ChatRecipe = ChatRecipe()
    max_len: int = 160
    steps: int = 1000


def chat_vocab() -> Vocab:
    return Vocab.build([*corpus_vocab().tokens[len(SPECIALS) :], *chat_texts()])


def train_chat_assistant(
    recipe: ChatAssistantRecipe, tower: ImageTower, log: Log = print
) -> tuple[Decoder, Vocab, dict[str, float]]:
    torch.set_num_threads(recipe.threads)
    torch.manual_seed(recipe.seed)
    started = time.perf_counter()
    vocab = chat_vocab()
    examples = [*build_examples(recipe), *build_conversations(recipe.chat)]
    log(f"{len(examples)} examples, vocabulary {len(vocab)} ({time.perf_counter() - started:.0f}s)")
    decoder = Decoder(DecoderConfig(vocab_size=len(vocab), max_len=recipe.max_len))
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
