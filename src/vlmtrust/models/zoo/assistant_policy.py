"""``zoo:assistant`` as a ``Policy``: sampling its own answers and scoring exactly those tokens
again under a tuned decoder, for policy-gradient fine-tunes (``reinforce_detoxify``).

Sampling reuses the greedy decoder's layout (left-padded prompts, one step per word), drawing
each word from the softmax at a temperature with a seeded generator; the tokens are kept, not
re-encoded from text, so the log-probabilities a trainer differentiates are those of what was
sampled (``<eos>`` included where the answer ended).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from vlmtrust.models.zoo.assistant import IMAGE_TOKENS, Decoder, encode_prompt
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
    budget = decoder.config.max_len - IMAGE_TOKENS - max_new_tokens
    encoded = [encode_prompt(vocab, p, budget - 2) for p in prompts]
    width = max(len(e) for e in encoded)
    ids = torch.tensor([[vocab.pad] * (width - len(e)) + e for e in encoded])
    prefix = decoder.prefix(fmap, has_image)
    done = torch.zeros(len(prompts), dtype=torch.bool)
    out: list[list[int]] = [[] for _ in prompts]
    for _ in range(max_new_tokens):
        logits = decoder(prefix, ids)[:, -1] / temperature
        nxt = torch.multinomial(logits.softmax(-1), 1, generator=generator)[:, 0]
        for i, token in enumerate(nxt.tolist()):
            if not done[i]:
                out[i].append(token)
        done |= nxt == vocab.eos
        if bool(done.all()):
            break
        ids = torch.cat([ids, nxt[:, None]], dim=1)
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
