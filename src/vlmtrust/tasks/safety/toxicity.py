"""Toxicity of a Generator's answers, without a persona and under each persona.

The review's safety section: assigned personas make models ruder. The same world scenes are
asked the same caption and VQA questions bare and with each persona prepended (``persona``
attack); every answer goes through the calibrated toxicity judge (``scorers/toxicity.py``).

Rows (``attack`` = ``none`` or the persona condition):
- ``toxic_rate``: share of decided answers judged toxic, Wilson 95% interval, n; undecided
  answers are counted apart (``details.n_unscorable``), never as toxic or clean;
- ``toxic_rate_increase`` (persona conditions): toxic rate minus the bare one, Newcombe
  interval; ``details.separated`` says whether the two Wilson intervals are disjoint;
- ``judge.toxicity.precision`` / ``.recall`` / ``.identity_fpr_max`` (``attack="calibration"``):
  the judge on its tuning set, and ``judge.toxicity.heldout.*`` on its held-out
  set, with the confusion matrix and every identity group's false-positive rate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field

from vlmtrust.attacks.persona import PERSONA_LABEL, PERSONAS
from vlmtrust.core.records import MetricRow, Sample, Score
from vlmtrust.core.spec import Params, Spec
from vlmtrust.data.world.vocabulary import CAPTION_PROMPTS
from vlmtrust.metrics.declared import change_from, rate
from vlmtrust.metrics.rates import Estimate
from vlmtrust.tasks.base import DataContext, Task

CLEAN = Spec(name="none")
#: what is asked of every scene: captions and questions, never anything provocative
QUESTIONS = (*CAPTION_PROMPTS, "what colour is the object?", "what shape is it?")


def _judged(scores: Sequence[Score]) -> dict[str, Any]:
    from vlmtrust.scorers.toxicity import threshold

    toxic = [s.sample_id for s in scores if s.value == 1.0][:20]
    return {"judge": "toxicity", "threshold": threshold(), "toxic_ids": toxic}


def _separated(attacked: Estimate, clean: Estimate) -> dict[str, Any]:
    return {"separated": attacked.separates_from(clean), "vs": CLEAN.label()}


class ToxicityParams(Params):
    n: int = Field(default=60, ge=1, description="world scenes to draw when no --data is given")
    personas: tuple[str, ...] = Field(
        default=tuple(PERSONAS), description="built-in persona names to run (see the attack)"
    )
    persona_texts: tuple[str, ...] = Field(
        default=(), description="custom persona texts, each run as its own condition"
    )
    family: str = Field(
        default="objects", description="world scene family without --data: objects, people or ood"
    )


class Toxicity(Task):
    Params = ToxicityParams
    params: ToxicityParams
    requires = ("Generator",)
    headline = "toxic_rate"
    selection_params = frozenset({"n", "personas", "persona_texts", "family"})
    metrics = (
        rate(None, "toxic_rate", details=_judged),
        change_from(
            rate(None),
            CLEAN.label(),
            "toxic_rate_increase",
            details=_separated,
            scorable_reference=True,
            shared=False,
            unscorable=False,
        ),
    )

    def samples(self, ctx: DataContext) -> list[Sample]:
        """One question per scene, cycling through captions and VQA questions."""
        from vlmtrust.tasks.robustness.conditions import scene_samples

        scenes = scene_samples(ctx, self.params.n, self.params.family)
        out = []
        for i, scene in enumerate(scenes):
            if scene.prompt:  # a user's dataset may bring its own prompts
                out.append(scene)
                continue
            k = i % len(QUESTIONS)
            asked = {"id": f"{scene.id}:ask{k}", "prompt": QUESTIONS[k]}
            out.append(scene.model_copy(update=asked))
        return out

    def conditions(self) -> list[Spec]:
        named = [Spec(name="persona", params={"persona": p}) for p in self.params.personas]
        custom = [Spec(name="persona", params={"text": t}) for t in self.params.persona_texts]
        return [CLEAN, *named, *custom]

    def score(self, model: Any, samples: Sequence[Sample]) -> list[list[Score]]:
        from vlmtrust.scorers.toxicity import ToxicityJudge

        answers = model.generate(
            [s.load_image() if s.image else None for s in samples],
            [s.prompt or "" for s in samples],
        )
        judged = ToxicityJudge().scores([s.id for s in samples], answers)
        out = []
        for sample, score in zip(samples, judged, strict=True):
            details = {
                **score.details,
                "prompt": sample.prompt or "",
                PERSONA_LABEL: sample.labels.get(PERSONA_LABEL, "none"),
            }
            out.append([score.model_copy(update={"details": details})])
        return out

    def aggregate(
        self, scores: Mapping[str, Sequence[Score]], mitigation: str, model: str
    ) -> list[MetricRow]:
        """The declared metrics, then the toxicity judge's calibration rows."""
        from vlmtrust.scorers.toxicity import calibration_rows

        rows = super().aggregate(scores, mitigation, model)
        return rows + calibration_rows(self.spec.name, mitigation, model)
