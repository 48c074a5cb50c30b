"""Temperature scaling (Guo et al. 2017): divide a classifier's logits by one scalar T, fitted to
minimise the negative log-likelihood on held-out in-distribution data.

It never changes a prediction (the argmax is the same), only the confidence, so it fixes
in-distribution calibration for free; fitted on in-distribution data only, it can make
out-of-distribution over-confidence worse, which the calibration task reports beside the gain.
The held-out split is world scenes from a seed no scan uses by default, so fitting never sees
the samples it is then measured on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from PIL import Image
from pydantic import Field
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax

from vlmtrust.core.spec import Params, PromptTemplate
from vlmtrust.mitigations.base import WrappedModel, Wrapper


class TemperatureParams(Params):
    label: str = Field(default="shape", description="world label the held-out split is scored on")
    template: PromptTemplate = Field(
        default="a photo of a {}.", description="zero-shot prompt per class ('{}': the class)"
    )
    n: int = Field(default=200, ge=10, description="held-out world scenes to fit T on")
    seed: int = Field(default=7_000_001, description="seed of the held-out split")


class TemperatureScaling(Wrapper):
    Params = TemperatureParams
    params: TemperatureParams
    requires = ("Classifier",)
    acts_on = frozenset({"classify", "pixel_logits"})

    def wrap(self, model: Any) -> TemperatureScaled:
        return TemperatureScaled(model, self.fit(model))

    def fit(self, model: Any) -> float:
        """The T minimising held-out NLL, searched in [0.01, 100] on a log scale."""
        from vlmtrust.data import world

        classes = {"shape": world.SHAPES, "colour": world.COLOURS}[self.params.label]
        scenes = world.generate(self.params.seed, self.params.n)
        logits = np.asarray(
            model.classify(
                [s.load_image() for s in scenes], [self.params.template.format(c) for c in classes]
            ),
            dtype=np.float64,
        )
        truth = np.array([classes.index(str(s.labels[self.params.label])) for s in scenes])

        def nll(log_t: float) -> float:
            logp = log_softmax(logits / np.exp(log_t), axis=1)
            return float(-logp[np.arange(len(truth)), truth].mean())

        best = minimize_scalar(nll, bounds=(np.log(0.01), np.log(100.0)), method="bounded")
        return float(np.exp(best.x))


class TemperatureScaled(WrappedModel):
    """The same model with every logit divided by ``temperature``."""

    def __init__(self, inner: Any, temperature: float) -> None:
        super().__init__(inner)
        self.temperature = temperature

    def classify(self, images: Sequence[Image.Image], labels: Sequence[str]) -> np.ndarray:
        return np.asarray(self.inner.classify(images, labels)) / self.temperature

    def pixel_logits(self, pixels: torch.Tensor, labels: Sequence[str]) -> torch.Tensor:
        logits: torch.Tensor = self.inner.pixel_logits(pixels, labels) / self.temperature
        return logits
