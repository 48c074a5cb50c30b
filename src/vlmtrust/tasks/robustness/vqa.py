"""Visual question answering accuracy of a Generator, clean and under corruptions.

The generative counterpart of ``robustness.zero_shot``. Answers are judged by which class names
they mention: exactly the true one is correct; another one (or several) is wrong; none is wrong
too (the model did not answer the question). An empty answer cannot be judged: unscorable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import Field

from vlmtrust.core.records import Sample, Score
from vlmtrust.core.spec import Spec
from vlmtrust.data.world.vocabulary import COLOURS, SHAPES
from vlmtrust.tasks.base import DataContext, Task
from vlmtrust.tasks.robustness.conditions import (
    ACCURACY_METRICS,
    CONDITION_PARAMS,
    CorruptionParams,
    corruption_conditions,
    scene_samples,
)

#: label -> the question asked about it (others: "what is the <label>?")
QUESTIONS = {
    "colour": "what colour is the object?",
    "shape": "what shape is it?",
}


class VqaParams(CorruptionParams):
    labels: tuple[str, ...] = Field(default=("colour", "shape"), description="labels to ask about")
    n: int = Field(default=100, ge=1, description="world scenes to draw when no --data is given")
    family: str = Field(
        default="objects", description="world scene family without --data: objects, people or ood"
    )


class Vqa(Task):
    Params = VqaParams
    params: VqaParams
    requires = ("Generator",)
    selection_params = CONDITION_PARAMS | {"n", "family"}
    metrics = ACCURACY_METRICS

    def samples(self, ctx: DataContext) -> list[Sample]:
        """One sample per (scene, label): the question travels in the prompt."""
        out = []
        for scene in scene_samples(ctx, self.params.n, self.params.family):
            for label in self.params.labels:
                question = QUESTIONS.get(label, f"what is the {label}?")
                out.append(
                    scene.model_copy(
                        update={
                            "id": f"{scene.id}:{label}",
                            "prompt": question,
                            "labels": {**scene.labels, "asked": label},
                        }
                    )
                )
        return out

    def conditions(self) -> list[Spec]:
        return corruption_conditions(self.params)

    def score(self, model: Any, samples: Sequence[Sample]) -> list[list[Score]]:
        answers = model.generate(
            [s.load_image() if s.image else None for s in samples],
            [s.prompt or "" for s in samples],
        )
        return [[judge_answer(s, a)] for s, a in zip(samples, answers, strict=True)]

    def row_details(self) -> dict[str, Any]:
        return {"labels": list(self.params.labels)}


def judge_answer(sample: Sample, answer: str) -> Score:
    label = str(sample.labels.get("asked", ""))
    truth = sample.labels.get(label)
    if truth is None:
        return Score.cannot_score(sample.id, "correct", f"no {label!r} label")
    if not answer.strip():
        return Score.cannot_score(sample.id, "correct", "empty answer")
    classes = {"colour": COLOURS, "shape": SHAPES}.get(label, (str(truth),))
    said = set(re.findall(r"[a-z]+", answer.lower()))
    mentioned = sorted(c for c in {*classes, str(truth)} if c in said)
    return Score(
        sample_id=sample.id,
        metric="correct",
        value=float(mentioned == [str(truth)]),
        label=",".join(mentioned) or None,
        details={"answer": answer[:200], "truth": str(truth)},
    )
