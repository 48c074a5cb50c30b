"""How ``zoo:assistant`` learns: the next-word objective over the frozen tower's features
(``decoder_loss``, ``train_decoder``). What it learns from, the world's instruction corpus, is
drawn by :mod:`vlmtrust.data.world.corpus`, in rows of :class:`vlmtrust.data.instructions.Example`.

Shared by the recipe that trains the organism (:mod:`vlmtrust.zoo.train_assistant`) and, through
``Tunable.answer_loss``, by the fine-tuning mitigations, which train the shipped decoder further.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from PIL import Image

from vlmtrust.core.fit import Log, fit_rows
from vlmtrust.data.instructions import Example
from vlmtrust.models.zoo.assistant import (
    IMAGE_TOKENS,
    Decoder,
    DecoderConfig,
    encode_prompt,
    prompt_words,
)
from vlmtrust.models.zoo.tower import ImageTower, to_pixels
from vlmtrust.models.zoo.vocab import Vocab


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
    vocab: Vocab, examples: Sequence[Example], config: DecoderConfig
) -> tuple[torch.Tensor, torch.Tensor]:
    """Left-padded prompts, right-padded answers (as at generation time). ``targets[t]`` is the
    word position ``t`` must predict: answer words and <eos> only, -100 elsewhere."""
    prompts_ = [encode_prompt(vocab, e.prompt, prompt_words(config)) for e in examples]
    answers = [[*vocab.encode(e.answer), vocab.eos] for e in examples]
    width = max(len(p) for p in prompts_)
    room = config.max_len - IMAGE_TOKENS - width
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
        ids, tgt = _batch(vocab, [examples[i] for i in idx.tolist()], decoder.config)
        logits = decoder(decoder.prefix(fmaps[idx].float(), has_image[idx]), ids)
        return torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1)
        )

    return loss_of


def decoder_states(
    decoder: Decoder, vocab: Vocab, tower: ImageTower, examples: Sequence[Example]
) -> Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """The states a batch of example rows writes its answer from, as ``decoder_loss`` lays the
    rows out: ``(states (B, T, width), mask (B, T))``, the mask True where the position
    predicts an answer word or ``<eos>`` (the positions the next-word loss is taken at)."""
    fmaps = _features(tower, [e.image for e in examples])
    has_image = torch.tensor([e.image is not None for e in examples])

    def states_of(idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        ids, tgt = _batch(vocab, [examples[i] for i in idx.tolist()], decoder.config)
        states = decoder.states(decoder.prefix(fmaps[idx].float(), has_image[idx]), ids)
        return states, tgt != -100

    return states_of


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
