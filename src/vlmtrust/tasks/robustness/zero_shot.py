"""Zero-shot classification accuracy of an image-text model, clean and under corruptions.

The robustness baseline every other attack is read against: if clean accuracy is at chance, an
attack's "success" means nothing, so the clean condition always runs and every corrupted
condition also reports its drop from clean with an interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Self

import numpy as np
from pydantic import Field

from vlmtrust.core.records import Sample, Score
from vlmtrust.core.spec import PromptTemplate, Spec
from vlmtrust.data.source import SampleRequest, label_vocabulary
from vlmtrust.metrics.declared import on
from vlmtrust.tasks.base import DataContext, Task
from vlmtrust.tasks.robustness.conditions import (
    ACCURACY_METRICS,
    CONDITION_PARAMS,
    CorruptionParams,
    corruption_conditions,
    scene_request,
    scene_samples,
)
from vlmtrust.tasks.robustness.selective import ABSTENTIONS_AS_ERRORS, Selective, abstention

#: labels whose full class list comes from the source (any other: the labels present)
VOCABULARY_LABELS = frozenset({"shape", "colour", "background"})


class ZeroShotParams(CorruptionParams):
    label: str = Field(default="shape", description="which sample label to predict")
    template: PromptTemplate = Field(
        default="a photo of a {}.", description="prompt per class name"
    )
    classes: tuple[str, ...] | None = Field(
        default=None, description="class names; default: the world's set, or the data's labels"
    )
    n: int = Field(default=200, ge=1, description="world scenes to draw when no --data is given")
    family: str = Field(default="objects", description="world family when no --data is given")


class ZeroShot(Task):
    Params = ZeroShotParams
    params: ZeroShotParams
    requires: ClassVar[tuple[str, ...]] = ("Classifier",)
    selection_params = CONDITION_PARAMS | {"n", "family"}
    # an abstention is not a correct answer: accuracy counts it as an error
    metrics = (on(ABSTENTIONS_AS_ERRORS, *ACCURACY_METRICS), Selective())

    def samples(self, ctx: DataContext) -> list[Sample]:
        return scene_samples(ctx, self.params.n, self.params.family)

    def sample_request(self, ctx: DataContext) -> SampleRequest:
        return scene_request(ctx, self.params.n, self.params.family)

    def resolve(self, samples: Sequence[Sample]) -> Self:
        if self.params.classes is not None:
            return self
        classes = _source_classes(self.params.label, samples) or sorted(
            {str(s.labels[self.params.label]) for s in samples if self.params.label in s.labels}
        )
        params = self.params.model_copy(update={"classes": tuple(classes)})
        return type(self)(Spec(name=self.spec.name, params=params.model_dump(mode="json")))

    def conditions(self) -> list[Spec]:
        return corruption_conditions(self.params)

    def score(self, model: Any, samples: Sequence[Sample]) -> list[list[Score]]:
        classes = self.params.classes
        if classes is None:
            raise RuntimeError("score() needs a resolved task (call resolve first)")
        scored = [s for s in samples if s.image is not None and self.params.label in s.labels]
        logits = (
            model.classify(
                [s.load_image() for s in scored], [self.params.template.format(c) for c in classes]
            )
            if scored
            else np.zeros((0, len(classes)))
        )
        by_id = {s.id: row for s, row in zip(scored, logits, strict=True)}
        out: list[list[Score]] = []
        for sample in samples:
            row = by_id.get(sample.id)
            if row is None:
                reason = "no image" if sample.image is None else f"no {self.params.label!r} label"
                out.append([Score.cannot_score(sample.id, "correct", reason)])
                continue
            if np.isnan(row).all():  # the model declined to answer (a mitigation like abstain)
                out.append([abstention(sample.id, truth=str(sample.labels[self.params.label]))])
                continue
            probs = _softmax(np.asarray(row, dtype=np.float64))
            best = int(probs.argmax())
            truth = str(sample.labels[self.params.label])
            out.append(
                [
                    Score(
                        sample_id=sample.id,
                        metric="correct",
                        value=float(classes[best] == truth),
                        label=classes[best],
                        details={"confidence": round(float(probs[best]), 6), "truth": truth},
                    )
                ]
            )
        return out

    def explained_choice(self, predicted: str | None) -> tuple[list[str], int] | None:
        classes = list(self.params.classes or ())
        if predicted not in classes:
            return None
        return [self.params.template.format(c) for c in classes], classes.index(predicted)

    def row_details(self) -> dict[str, Any]:
        classes = self.params.classes or ()
        return {"chance": 1.0 / len(classes) if classes else None, "label": self.params.label}


def _source_classes(label: str, samples: Sequence[Sample]) -> list[str] | None:
    """The source's full class list when every sample comes from a source that knows it (the
    world's shapes, colours, backgrounds), so that a small --limit does not shrink the label set
    and inflate accuracy."""
    known = label_vocabulary(label, samples) if label in VOCABULARY_LABELS else None
    if known is None or any(str(s.labels.get(label)) not in known for s in samples):
        return None
    return list(known)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return np.asarray(e / e.sum())
