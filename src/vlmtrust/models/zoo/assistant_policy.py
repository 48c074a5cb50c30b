"""``zoo:assistant`` as a ``Policy``: sampling its own answers and scoring exactly those tokens
again under a tuned decoder, for policy-gradient fine-tunes (``reinforce_detoxify``).

Sampling is the greedy decoder's loop (``decode_tokens``: left-padded prompts, one step per
word), drawing each word from the softmax at a temperature with a seeded generator; the tokens
are kept, not re-encoded from text, so the log-probabilities a trainer differentiates are those
of what was sampled (``<eos>`` included where the answer ended).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from vlmtrust.models.zoo.assistant import Decoder, decode_tokens
from vlmtrust.models.zoo.vocab import Vocab


@dataclass(frozen=True)
class SampledTokens:
    """What ``Rollout.state`` holds for the zoo: frozen image features and the token ids."""

    fmap: torch.Tensor | None
    has_image: torch.Tensor
    prompts: tuple[tuple[int, ...], ...]
    answers: tuple[tuple[int, ...], ...]


@torch.no_grad()
def sample_tokens(
    decoder: Decoder,
    vocab: Vocab,
    fmap: torch.Tensor | None,
    has_image: torch.Tensor,
    prompts: Sequence[str],
    max_new_tokens: int,
    temperature: float,
    seed: int,
) -> SampledTokens:
    """One sampled answer per prompt; a row stops after its ``<eos>``."""
    generator = torch.Generator().manual_seed(seed)

    def draw(logits: torch.Tensor) -> torch.Tensor:
        return torch.multinomial((logits / temperature).softmax(-1), 1, generator=generator)[:, 0]

    encoded, out = decode_tokens(decoder, vocab, fmap, has_image, prompts, max_new_tokens, draw)
    return SampledTokens(
        fmap, has_image, tuple(tuple(e) for e in encoded), tuple(tuple(o) for o in out)
    )


def token_logprobs(
    decoder: Decoder, vocab: Vocab, sampled: SampledTokens
) -> tuple[torch.Tensor, torch.Tensor]:
    """(total log-probability of each sampled answer, its token count) under ``decoder``:
    prompts left-padded, answers right-padded, pads masked (as ``answer_logprob`` scores)."""
    left = max(len(p) for p in sampled.prompts)
    right = max(max(len(a) for a in sampled.answers), 1)
    pad = vocab.pad
    rows = [
        [pad] * (left - len(p)) + list(p) + list(a) + [pad] * (right - len(a))
        for p, a in zip(sampled.prompts, sampled.answers, strict=True)
    ]
    ids = torch.tensor(rows)
    logp = decoder(decoder.prefix(sampled.fmap, sampled.has_image), ids).log_softmax(-1)
    targets = ids[:, left:]
    picked = logp[:, left - 1 : -1].gather(-1, targets[..., None])[..., 0]
    counts = torch.tensor([float(len(a)) for a in sampled.answers])
    kept = torch.arange(right)[None, :] < counts[:, None]
    return (picked * kept).sum(dim=1), counts
