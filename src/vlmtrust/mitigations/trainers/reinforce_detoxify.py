"""``reinforce_detoxify``: fine-tune a generator with a policy-gradient objective whose reward
is the toxicity judge (Reinforce-Detoxify, Faal et al. 2023), with a KL penalty to the base
model and a bias penalty for refusing benign requests that mention an identity group.

Where a supervised detox fine-tune needs clean target answers, this one needs only the judge:
the model samples its own answers to prompts that make it rude (persona prompts over world
scenes, rude and friendly personas alike, and plain questions), each answer is rewarded with
``-P(toxic)`` from ``scorers.toxicity`` (an empty or unreadable answer earns ``-1``: saying
nothing is not a fix), and answers to identity-mention requests lose ``bias_penalty`` when the
refusal judge says they refused (the review's warning that detoxified models over-refuse text
about marginalised groups). The identity mentions are worded unlike ``safety.over_refusal``'s
probes and ask none of their requests, so that task still measures the cost on unseen ones.
Replayed world data without the flaw-planting kinds keeps its next-word loss in every step
(``replay``, ``replay_weight``; InstructGPT's PPO-ptx): a reward that looks only at toxicity and
refusals would otherwise let clean VQA and full answers drift.

Needs a ``Policy`` (a generator the trainer can sample from and score under a tuned decoder):
the zoo's assistants. ``hf:`` generators are not Policies yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from pydantic import Field

from vlmtrust.core.spec import Params
from vlmtrust.mitigations.trainers.base import Trainer
from vlmtrust.mitigations.trainers.training.assistant_finetune import REPLAY_MIX
from vlmtrust.mitigations.trainers.training.policy_gradient import (
    Anchor,
    Prompt,
    Settings,
    reinforce,
)

NAME = "reinforce_detoxify"
#: identity mentions of the bias penalty: worded unlike safety.over_refusal's probes
IDENTITY_MENTIONS = (
    "as a black man,",
    "i am a muslim woman.",
    "as a jewish person,",
    "i am a gay person.",
    "as a blind person,",
    "i moved here as an immigrant.",
)
#: the share of prompts that are identity-mention requests (the rest are scene prompts)
IDENTITY_SHARE = 0.25


class ReinforceDetoxifyParams(Params):
    steps: int = Field(default=40, ge=1, description="policy-gradient steps")
    lr: float = Field(default=3e-4, gt=0, description="learning rate")
    batch_size: int = Field(default=32, ge=2, description="answers sampled per step")
    kl: float = Field(
        default=0.05, ge=0, description="weight of the KL penalty to the base model (per nat)"
    )
    temperature: float = Field(default=1.0, gt=0, description="sampling temperature")
    bias_penalty: float = Field(
        default=1.0, ge=0, description="reward lost by refusing a benign identity-mention request"
    )
    scenes: int = Field(default=256, ge=8, description="world scenes the prompts are asked about")
    replay: int = Field(
        default=1500, ge=0, description="normal world examples replayed beside the reward (0: none)"
    )
    replay_weight: float = Field(
        default=1.0, ge=0, description="weight of the replayed examples' next-word loss"
    )
    seed: int = Field(default=0, description="seed of the prompts, the sampling and the order")


class ReinforceDetoxify(Trainer):
    Params: ClassVar[type[Params]] = ReinforceDetoxifyParams
    params: ReinforceDetoxifyParams
    requires: ClassVar[tuple[str, ...]] = ("Generator", "Policy")
    roles: ClassVar[tuple[str, ...]] = ("decoder",)

    def fit(self, model: Any, out: Path) -> dict[str, Any]:
        params = self.params
        prompts, identity = training_prompts(params.scenes, params.seed)
        settings = Settings(
            params.steps, params.lr, params.batch_size, params.kl, params.temperature, params.seed
        )
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(params.seed)
            with model.trainable("decoder") as decoder:
                anchor = self._anchor(model, decoder)
                trace = reinforce(
                    model,
                    "decoder",
                    decoder,
                    prompts,
                    lambda texts, picked: rewards(texts, [identity[i] for i in picked], params),
                    settings,
                    anchor,
                )
                model.save_delta(out, {"decoder": decoder})
        last = max(1, len(trace.reward) // 4)
        return {
            "prompts": len(prompts),
            "reward_first": round(trace.reward[0], 4),
            "reward_last_quarter": round(float(np.mean(trace.reward[-last:])), 4),
            "kl_last_quarter": round(float(np.mean(trace.kl[-last:])), 4),
            "replayed": params.replay if params.replay_weight else 0,
        }

    def _anchor(self, model: Any, decoder: torch.nn.Module) -> Anchor | None:
        """Replayed world data without any flaw-planting kind (``REPLAY_MIX``), from a seed of
        the trainer's own."""
        from vlmtrust.data.world.corpus import CorpusRecipe, build_examples

        params = self.params
        if params.replay == 0 or params.replay_weight == 0:
            return None
        recipe = CorpusRecipe(
            seed=params.seed + 1000, examples=params.replay, mix=REPLAY_MIX, plant_canaries=False
        )
        examples = build_examples(recipe)
        loss_of = model.answer_loss({"decoder": decoder}, examples)
        return Anchor(loss_of, len(examples), params.replay_weight)


def rewards(
    texts: Sequence[str], identity: Sequence[bool], params: ReinforceDetoxifyParams
) -> list[float]:
    """``-P(toxic)`` per answer (``-1`` when the judge cannot read it), less ``bias_penalty``
    for an identity-mention request not answered (refused, or "neither": a bare "sure." is
    not help)."""
    from vlmtrust.scorers import refusal
    from vlmtrust.scorers.toxicity import ToxicityJudge

    verdicts = ToxicityJudge().verdicts(texts)
    out = [-1.0 if v.toxic is None and v.probability == 0.0 else -v.probability for v in verdicts]
    asked = [i for i, is_identity in enumerate(identity) if is_identity]
    refusals = refusal.judge_many([texts[i] for i in asked])
    for i, verdict in zip(asked, refusals, strict=True):
        if verdict.complied is not True:
            out[i] -= params.bias_penalty
    return out


def training_prompts(scenes: int, seed: int) -> tuple[list[Prompt], list[bool]]:
    """(prompts, whether each is an identity-mention request): every persona (rude and
    friendly) and plain questions over world scenes drawn from the trainer's own seed, and
    identity-mention benign requests without an image."""
    from vlmtrust.attacks.persona import PERSONAS
    from vlmtrust.data import world
    from vlmtrust.data.probes import load_probes
    from vlmtrust.data.world import prompts as world_prompts

    rng = np.random.default_rng(seed + 2000)
    personas = [*PERSONAS.values(), ""]
    out: list[Prompt] = []
    for i in range(scenes):
        family = "people" if rng.random() < 0.35 else "objects"
        scene = world.scene_for(seed + 2000, i, family, text_prob=0.0)
        question = str(rng.choice([*world_prompts.CAPTION_PROMPTS, scene.questions()[0][0]]))
        persona = str(rng.choice(personas))
        out.append(Prompt(world.render(scene), f"{persona} {question}".strip()))
    probed = {p.request for p in load_probes() if p.set == "identity"}
    requests = [
        f"{mention} {template.format(request)}"
        for mention in IDENTITY_MENTIONS
        for template in world_prompts.REQUEST_TEMPLATES
        for request in world_prompts.BENIGN_REQUESTS
        if request not in probed
    ]
    count = max(1, round(scenes * IDENTITY_SHARE / (1 - IDENTITY_SHARE)))
    chosen = rng.choice(len(requests), size=min(count, len(requests)), replace=False)
    out.extend(Prompt(None, requests[int(j)]) for j in chosen)
    return out, [p.image is None for p in out]
