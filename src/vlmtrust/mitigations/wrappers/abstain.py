"""Abstention (selective classification, Geifman & El-Yaniv 2017): answer "unknown" when the
model's own out-of-distribution score says the input looks unfamiliar.

The wrapper scores every input with MSP, MaxLogit or Energy (the same detectors as
``robustness.ood``, higher = more familiar) and abstains below a threshold chosen so that a
``coverage`` share (default 95%) of held-out in-distribution world scenes is still answered. The
held-out scenes come from a seed no scan uses, as for temperature scaling, so the threshold is
never fitted on the samples it is measured on. Only the scores of in-distribution data are
needed (no labels), so the threshold is fitted for whatever label set a task asks about: MSP over
8 shapes and MSP over 4 backgrounds are not on the same scale.

Contract for consumers: ``classify`` returns the inner logits unchanged, except that an
abstained row is all NaN; ``abstains`` returns the boolean mask directly. A task records an
abstention as a ``Score`` with metric ``abstained`` (a model decision, not a judge that could not
decide, so never ``unscorable``) and scores correctness only for answered samples; the helpers
in ``vlmtrust.tasks.robustness.selective`` report ``coverage`` and ``selective_accuracy``.

Abstention only helps as far as the score separates familiar from unfamiliar inputs. zoo:clip
is planted to be *more* confident out of distribution (MSP AUROC about 0.15), so abstaining by
MSP answers OOD scenes at least as often as in-distribution ones: it does not catch them, and
the tests say so rather than pretend otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
from PIL import Image
from pydantic import Field, field_validator

from vlmtrust.core.spec import Params, PromptTemplate
from vlmtrust.metrics import detection
from vlmtrust.mitigations.base import WrappedModel, Wrapper

ScoreName = Literal["msp", "max_logit", "energy"]
SCORES: Mapping[str, Callable[[np.ndarray], np.ndarray]] = {
    "msp": detection.msp,
    "max_logit": detection.max_logit,
    "energy": detection.energy,
}


def _world_classes(label: str) -> tuple[str, ...] | None:
    from vlmtrust.data import world

    sets = {"shape": world.SHAPES, "colour": world.COLOURS, "background": world.BACKGROUNDS}
    found = sets.get(label)
    return None if found is None else tuple(found)


class AbstainParams(Params):
    score: ScoreName = Field(default="msp", description="OOD score: msp, max_logit or energy")
    coverage: float = Field(
        default=0.95, gt=0.0, le=1.0, description="share of held-out in-distribution data answered"
    )
    label: str = Field(default="shape", description="world label naming the default class set")
    template: PromptTemplate = Field(
        default="a photo of a {}.", description="zero-shot prompt per class ('{}': the class)"
    )
    #: 500, not 200: the 5% tail of 200 scores rests on 10 of them, and on zoo:clip a threshold
    #: fitted on 200 scenes gave anything from 95% to 100% coverage on fresh ones
    n: int = Field(default=500, ge=10, description="held-out world scenes to fit the threshold on")
    seed: int = Field(default=7_000_002, description="seed of the held-out split")

    @field_validator("label")
    @classmethod
    def _known_label(cls, value: str) -> str:
        if _world_classes(value) is None:
            raise ValueError("label must be one of shape, colour, background")
        return value


class Abstain(Wrapper):
    Params = AbstainParams
    params: AbstainParams
    requires = ("Classifier",)
    acts_on = frozenset({"classify", "abstains", "threshold", "threshold_for"})

    def wrap(self, model: Any) -> Abstaining:
        from vlmtrust.data import world

        scenes = world.generate(self.params.seed, self.params.n)
        wrapped = Abstaining(
            model,
            score=self.params.score,
            coverage=self.params.coverage,
            held_out=[s.load_image() for s in scenes],
            default_labels=self.default_labels(),
        )
        _ = wrapped.threshold  # fit the default label set now, as temperature scaling fits T
        return wrapped

    def default_labels(self) -> tuple[str, ...]:
        classes = _world_classes(self.params.label) or ()
        return tuple(self.params.template.format(c) for c in classes)


class Abstaining(WrappedModel):
    """The same classifier, declining to answer where its OOD score falls below the threshold
    that keeps ``coverage`` of held-out in-distribution images."""

    def __init__(
        self,
        inner: Any,
        *,
        score: str,
        coverage: float,
        held_out: Sequence[Image.Image],
        default_labels: Sequence[str],
    ) -> None:
        super().__init__(inner)
        self.score_name = score
        self.coverage = coverage
        self._score = SCORES[score]
        self._held_out = list(held_out)
        self._default_labels = tuple(default_labels)
        self._thresholds: dict[tuple[str, ...], float] = {}

    @property
    def threshold(self) -> float:
        """The threshold for the default label set (the wrapper's ``label`` and ``template``)."""
        return self.threshold_for(self._default_labels)

    def threshold_for(self, labels: Sequence[str]) -> float:
        """Fitted once per label set: the highest score that still answers ``coverage`` of the
        held-out images."""
        key = tuple(labels)
        if key not in self._thresholds:
            held = self._score(np.asarray(self.inner.classify(self._held_out, key), np.float64))
            self._thresholds[key] = coverage_threshold(held, self.coverage)
        return self._thresholds[key]

    def _decide(
        self, images: Sequence[Image.Image], labels: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        logits = np.array(self.inner.classify(images, labels), dtype=np.float64)
        if len(logits) == 0:
            return logits, np.zeros(0, dtype=bool)
        return logits, np.asarray(self._score(logits) < self.threshold_for(labels))

    def abstains(self, images: Sequence[Image.Image], labels: Sequence[str]) -> np.ndarray:
        """True where the model declines to answer."""
        return self._decide(images, labels)[1]

    def classify(self, images: Sequence[Image.Image], labels: Sequence[str]) -> np.ndarray:
        """The inner logits, with every abstained row set to NaN."""
        logits, mask = self._decide(images, labels)
        logits[mask] = np.nan
        return logits


def coverage_threshold(scores: np.ndarray, coverage: float) -> float:
    """The highest threshold ``t`` such that ``score >= t`` keeps at least ``ceil(coverage * n)``
    of ``scores`` (the rounding guard stops 0.95 * 20 = 19.000000000000004 asking for 20)."""
    values = np.sort(np.asarray(scores, dtype=np.float64).ravel())
    if values.size == 0 or not np.isfinite(values).all():
        raise ValueError("need at least one finite held-out score")
    keep = max(1, min(values.size, math.ceil(round(coverage * values.size, 9))))
    return float(values[values.size - keep])
