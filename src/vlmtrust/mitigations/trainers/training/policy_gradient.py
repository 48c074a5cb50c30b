"""A small REINFORCE loop for a generator that is a ``Policy`` (Reinforce-Detoxify's shape):
sample answers from the tuned module, reward them, and raise the log-probability of answers
that beat the batch's mean reward.

The reward of an answer is the caller's score minus ``kl`` times the log-ratio of the tuned
policy to the base model on that answer (the KL penalty of RLHF, as a reward, so the fine-tune
moves only as far as the reward asks). The mean reward of the batch is the baseline; the
log-probability is divided by the answer's length, so long and short answers weigh the same.
An optional ``Anchor`` adds the next-word loss of replayed normal data to every step (the
"pretraining mix" of InstructGPT's PPO-ptx): without it the policy keeps what the reward asks
and forgets what the reward never looks at (a short "sure." instead of an answer).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from PIL import Image

from vlmtrust.core.capabilities import Policy

#: (the answers' texts, the prompts' indices in the batch) -> one reward per answer
Reward = Callable[[Sequence[str], Sequence[int]], Sequence[float]]


@dataclass(frozen=True)
class Prompt:
    image: Image.Image | None
    text: str


@dataclass
class Trace:
    """What the loop saw, step by step, for the trainer's card."""

    reward: list[float] = field(default_factory=list)
    kl: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Anchor:
    """Replayed rows' next-word loss (``Tunable.answer_loss``) added with ``weight``."""

    loss_of: Callable[[torch.Tensor], torch.Tensor]
    rows: int
    weight: float


@dataclass(frozen=True)
class Settings:
    steps: int
    lr: float
    batch_size: int
    kl: float
    temperature: float
    seed: int


def reinforce(
    model: Policy,
    role: str,
    module: torch.nn.Module,
    prompts: Sequence[Prompt],
    reward: Reward,
    settings: Settings,
    anchor: Anchor | None = None,
) -> Trace:
    """Train ``module`` (the model's ``role``, from ``Tunable.trainable``) in place."""
    optimiser = torch.optim.Adam(module.parameters(), lr=settings.lr)
    picker = torch.Generator().manual_seed(settings.seed)
    trace = Trace()
    tuned = {role: module}
    for step in range(settings.steps):
        picked = torch.randperm(len(prompts), generator=picker)[: settings.batch_size].tolist()
        batch = [prompts[i] for i in picked]
        images = [p.image for p in batch]
        texts = [p.text for p in batch]
        module.eval()
        rollout = model.sample_answers(
            tuned, images, texts, settings.temperature, settings.seed * 100_003 + step
        )
        scored = torch.tensor([float(r) for r in reward(rollout.texts, picked)])
        module.train()
        logp, tokens = model.answer_logprobs(tuned, rollout)
        with torch.no_grad():
            base, _ = model.answer_logprobs({}, rollout)
        log_ratio = logp.detach() - base
        total = scored - settings.kl * log_ratio
        advantage = total - total.mean()
        loss = -(advantage * logp / tokens.clamp(min=1.0)).mean()
        if anchor is not None:
            rows = torch.randint(anchor.rows, (settings.batch_size,), generator=picker)
            loss = loss + anchor.weight * anchor.loss_of(rows)
        optimiser.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        optimiser.step()
        trace.reward.append(float(scored.mean()))
        trace.kl.append(float(log_ratio.mean()))
    module.eval()
    return trace
