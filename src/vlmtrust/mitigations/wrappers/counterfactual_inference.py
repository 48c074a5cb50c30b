"""Counterfactual inference debiasing for dual encoders (the review's "counterfactual inference";
after Niu et al. 2021's TIE = TE - NDE): estimate the direct effect of the group cue on an image
embedding and subtract it at inference, so what remains is the effect of the content.

The direct effect of the group on an image is the shift its embedding takes from its group alone
(content held fixed); where it comes from (``branch``):
- ``twins`` (default): held-out counterfactual twins of the world (a seed scans never use; half
  of them with the occupation's prop out of frame). A twin pair is one scene drawn once per
  group, so each twin's shift from its pair's mean is its group's direct effect on that scene.
  An image's effect is the mean shift of its ``neighbours`` nearest twins in embedding space:
  the effect depends on the content (zoo:clip's tower reads group A as "doctor" only where the
  prop is missing), so one global shift per group removes only a quarter of the twin gap on
  zoo:clip and the nearest twins' shifts three quarters.
- ``prompts``: a group-only branch for a model whose text tower knows the groups: group g's
  effect is the embedding of its group-only prompt minus the mean of all of them
  (``group_prompts``, e.g. ``{"man": "a photo of a man.", "woman": "a photo of a woman."}``),
  weighted by the image's zero-shot group probabilities (its group is not known at inference).

The effect, times ``strength``, is subtracted and the embedding re-normalised. Only image embeddings
change (``encode_image`` and ``classify``, at the model's own logit scale where it offers one);
text embeddings, and so prompt-side measures of the
text tower, stay as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from PIL import Image
from pydantic import Field
from sklearn.neighbors import NearestNeighbors

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import Params
from vlmtrust.mitigations.base import WrappedModel, Wrapper
from vlmtrust.mitigations.wrappers.debias_projection import LOGIT_SCALE


class CounterfactualInferenceParams(Params):
    branch: Literal["twins", "prompts"] = Field(
        default="twins",
        description="where the group's direct effect comes from: held-out world twins, or the "
        "text embeddings of group_prompts (a group-only branch)",
    )
    strength: float = Field(
        default=1.0, ge=0.0, le=2.0, description="share of the direct effect subtracted"
    )
    neighbours: int = Field(
        default=5, ge=1, description="nearest held-out twins whose shifts are averaged"
    )
    pairs: int = Field(default=200, ge=10, description="held-out twin pairs (branch=twins)")
    seed: int = Field(default=7_300_001, description="seed of the held-out twins")
    group_prompts: dict[str, str] = Field(
        default={}, description="group -> group-only prompt (branch=prompts)"
    )


class CounterfactualInference(Wrapper):
    Params = CounterfactualInferenceParams
    params: CounterfactualInferenceParams
    requires = ("Embedder",)
    #: text embeddings are left as they are
    acts_on = frozenset({"encode_image", "classify"})

    def wrap(self, model: Any) -> DirectEffectRemoved:
        if self.params.branch == "prompts":
            if len(self.params.group_prompts) < 2:
                raise ConfigError(
                    "counterfactual_inference branch=prompts needs at least two group_prompts",
                    "pass group_prompts={'man': 'a photo of a man.', 'woman': 'a photo of a "
                    "woman.'}, or use branch=twins",
                )
            texts = np.asarray(model.encode_text(list(self.params.group_prompts.values())))
            return DirectEffectRemoved(model, GroupPromptEffect(texts), self.params.strength)
        return DirectEffectRemoved(model, self.fit_twins(model), self.params.strength)

    def fit_twins(self, model: Any) -> TwinEffect:
        from vlmtrust.data.world.twins import twin_samples

        half = self.params.pairs // 2
        twins = twin_samples(self.params.seed, half) + twin_samples(
            self.params.seed, self.params.pairs - half, half, prop_visible=False
        )
        embeddings = np.asarray(model.encode_image([s.load_image() for s in twins]))
        pair_means = (embeddings[0::2] + embeddings[1::2]) / 2
        shifts = embeddings - np.repeat(pair_means, 2, axis=0)
        return TwinEffect(embeddings, shifts, self.params.neighbours)


class TwinEffect:
    """The mean group shift of an embedding's nearest held-out twins."""

    def __init__(self, embeddings: np.ndarray, shifts: np.ndarray, neighbours: int) -> None:
        self.index = NearestNeighbors(n_neighbors=min(neighbours, len(embeddings)))
        self.index.fit(embeddings)
        self.shifts = shifts

    def __call__(self, embeddings: np.ndarray) -> np.ndarray:
        _, nearest = self.index.kneighbors(embeddings)
        return np.asarray(self.shifts[nearest].mean(axis=1))


class GroupPromptEffect:
    """Each group-only prompt's offset from their mean, weighted by the image's zero-shot
    group probabilities (softmax at CLIP's logit scale)."""

    def __init__(self, prompt_embeddings: np.ndarray) -> None:
        self.prompts = prompt_embeddings
        self.effects = prompt_embeddings - prompt_embeddings.mean(axis=0)

    def __call__(self, embeddings: np.ndarray) -> np.ndarray:
        logits = LOGIT_SCALE * embeddings @ self.prompts.T
        logits -= logits.max(axis=1, keepdims=True)
        weights = np.exp(logits)
        weights /= weights.sum(axis=1, keepdims=True)
        return np.asarray(weights @ self.effects)


class DirectEffectRemoved(WrappedModel):
    """The same model with each image embedding minus its estimated group direct effect,
    re-normalised."""

    def __init__(self, inner: Any, effect: TwinEffect | GroupPromptEffect, strength: float) -> None:
        super().__init__(inner)
        self.effect = effect
        self.strength = strength

    def encode_image(self, images: Sequence[Image.Image]) -> np.ndarray:
        raw = np.asarray(self.inner.encode_image(images), dtype=np.float64)
        corrected = raw - self.strength * self.effect(raw)
        norms = np.linalg.norm(corrected, axis=1, keepdims=True)
        return np.asarray(corrected / np.maximum(norms, 1e-12), dtype=np.float32)

    def classify(self, images: Sequence[Image.Image], labels: Sequence[str]) -> np.ndarray:
        texts = np.asarray(self.inner.encode_text(labels), dtype=np.float32)
        scale = float(self.inner.logit_scale()) if hasattr(self.inner, "logit_scale") else None
        return np.asarray((scale or LOGIT_SCALE) * self.encode_image(images) @ texts.T)
