"""``adversarial_instruct``: instruction tuning of a generator with an adversary that predicts
the group of the person shown from the decoder's hidden states (adversarial debiasing, Zhang et
al. 2018, Alvi et al. 2018; the review's "adversarial classifiers combined with instruction
tuning").

Alternating min-max: each step the adversary takes ``adversary_steps`` steps on the current
(detached) states of people scenes, then the decoder a step on the next-word loss of replayed
world instructions (captions, VQA, requests: what keeps its answers) plus ``adversary_weight``
x the adversary's confusion (cross-entropy to the uniform guess). The states probed are those
that write the answer up to the occupation, "a doctor" of "a doctor of group A on grass" or the
answer to "what is the person's job?": the answer must not lean on the group there, while the
positions that name the group afterwards (as the captions do) are left alone. Half of the
probed scenes hide the occupation's prop, as the bias tasks' twins do, where the group is the
only cue left.

What is left is measured, not assumed: a fresh linear probe is fitted on held-out scenes' states
of the base and of the tuned decoder (half the scenes to fit, half to test), and the card holds
both accuracies with Wilson intervals, n and McNemar's paired test. ``adversary_weight=0`` is
the same fine-tune without the adversary (same rows, same order): the control.

Needs ``AnswerStates`` (a generator whose hidden states a trainer can read): the zoo's
assistants. ``hf:`` generators are not AnswerStates yet and are refused before the run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from pydantic import Field

from vlmtrust.core.fit import fit
from vlmtrust.core.spec import Params
from vlmtrust.mitigations.trainers.training.assistant_finetune import (
    AssistantFinetune,
    AssistantFinetuneParams,
)
from vlmtrust.mitigations.trainers.training.group_adversary import (
    ProbeResult,
    adversary_loss,
    collect_states,
    confusion,
    group_adversary,
    paired_probe_change,
    probe_rows,
)

NAME = "adversarial_instruct"
#: the kind of the probed rows (never in the next-word loss: their answers stop mid-caption)
PROBED = "group_probe"


class AdversarialInstructParams(AssistantFinetuneParams):
    steps: int = Field(default=200, ge=1, description="optimiser steps on the decoder")
    adversary_weight: float = Field(
        default=1.0, ge=0, description="weight of the adversary's confusion (0: no adversary)"
    )
    adversary_lr: float = Field(default=1e-2, gt=0, description="the adversary's learning rate")
    adversary_steps: int = Field(
        default=5,
        ge=1,
        description="adversary steps before each decoder step (a weak adversary is fooled "
        "while the states still carry the group)",
    )
    people: int = Field(default=600, ge=4, description="people scenes the adversary reads")
    hidden_props: float = Field(
        default=0.5, ge=0, le=1, description="share of people scenes with the prop out of frame"
    )
    probe_people: int = Field(
        default=400, ge=8, description="held-out people scenes of the fresh probe (half fit it)"
    )


class AdversarialInstruct(AssistantFinetune):
    Params: ClassVar[type[Params]] = AdversarialInstructParams
    params: AdversarialInstructParams
    requires: ClassVar[tuple[str, ...]] = ("Generator", "AnswerStates")

    def target_examples(self) -> Sequence[Any]:
        """Nothing new to teach: the instruction loss is the replay's alone."""
        return []

    def fit(self, model: Any, out: Path) -> Mapping[str, Any]:
        params = self.params
        people, groups = group_rows(params.seed + 3000, params.people, params.hidden_props)
        held, held_groups = group_rows(params.seed + 4000, params.probe_people, params.hidden_props)
        fitted = len(held) // 2
        before = probe_states(model, {}, held, held_groups, fitted)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(params.seed)
            with model.trainable("decoder") as decoder:
                tuned = {"decoder": decoder}
                examples, _ = self.training_rows(model)
                trace = self._train(model, tuned, examples, people, groups)
                after = probe_states(model, tuned, held, held_groups, fitted)
                model.save_delta(out, tuned)
        return {
            **trace,
            "examples": len(examples),
            "people": len(people),
            "probe": "logistic regression on held-out answer-writing states",
            "probe_accuracy_before": before.summary(),
            "probe_accuracy_after": after.summary(),
            "probe_change": paired_probe_change(before, after),
        }

    def _train(
        self,
        model: Any,
        tuned: Mapping[str, torch.nn.Module],
        examples: Sequence[Any],
        people: Sequence[Any],
        groups: Sequence[str],
    ) -> dict[str, float]:
        params = self.params
        decoder = tuned["decoder"]
        loss_of = model.answer_loss(tuned, examples)
        states_of = model.answer_states(tuned, people)
        levels = sorted(set(groups))
        group_index = torch.tensor([levels.index(g) for g in groups])
        with torch.no_grad():
            width = states_of(torch.tensor([0]))[0].shape[-1]
        adversary = group_adversary(width, len(levels))
        adversary_optimiser = torch.optim.Adam(adversary.parameters(), params.adversary_lr)
        generator = torch.Generator().manual_seed(params.seed)
        last = {"adversary_loss": 0.0, "confusion": 0.0, "instruction_loss": 0.0}

        def loss_at(step: int) -> torch.Tensor:
            who = torch.randint(len(people), (params.batch_size,), generator=generator)
            states, mask = states_of(who)
            for _ in range(params.adversary_steps):
                loss = adversary_loss(adversary, states.detach(), mask, group_index[who])
                adversary_optimiser.zero_grad()
                loss.backward()  # type: ignore[no-untyped-call]
                adversary_optimiser.step()
                last["adversary_loss"] = float(loss.detach())
            idx = torch.randint(len(examples), (params.batch_size,), generator=generator)
            confused = confusion(adversary, states, mask)
            instruction: torch.Tensor = loss_of(idx)
            last["confusion"] = float(confused.detach())
            last["instruction_loss"] = float(instruction.detach())
            total: torch.Tensor = instruction + params.adversary_weight * confused
            return total

        decoder.train()
        trained = [p for p in decoder.parameters() if p.requires_grad]
        fit(trained, params.steps, params.lr, loss_at, log=lambda _: None)
        decoder.eval()
        return {
            "final_instruction_loss": round(last["instruction_loss"], 4),
            # ln 2 = 0.693 for two groups: an adversary reduced to chance
            "final_adversary_loss": round(last["adversary_loss"], 4),
        }


def probe_states(
    model: Any,
    tuned: Mapping[str, torch.nn.Module],
    rows: Sequence[Any],
    groups: Sequence[str],
    fitted: int,
) -> ProbeResult:
    """The fresh probe on ``rows``' answer-writing states under ``tuned`` ({}: the base)."""
    states, owner = collect_states(model.answer_states(tuned, rows), len(rows))
    return probe_rows(states, owner, groups, fitted)


def group_rows(seed: int, n: int, hidden_props: float) -> tuple[list[Any], list[str]]:
    """(rows, each row's group): ``n`` world people scenes (groups 50/50 in every occupation),
    ``hidden_props`` of them without the prop, each asked for a caption (answered up to the
    occupation, "a doctor") or for the job ("doctor"), alternately at random."""
    from vlmtrust.data import world
    from vlmtrust.data.instructions import Example
    from vlmtrust.data.world import prompts

    rng = np.random.default_rng([seed, 29])
    rows, groups = [], []
    for i in range(n):
        scene = world.scene_for(seed, i, "people")
        scene = scene.replace(prop_visible=bool(rng.random() >= hidden_props))
        job = scene.occupation or ""
        if rng.random() < 0.5:
            caption = scene.caption()
            prompt, answer = (
                str(rng.choice(prompts.CAPTION_PROMPTS)),
                caption[: caption.index(job) + len(job)],
            )
        else:
            prompt, answer = scene.questions()[0]
        rows.append(Example(PROBED, world.render(scene), prompt, answer))
        groups.append(scene.group or "")
    return rows, groups
