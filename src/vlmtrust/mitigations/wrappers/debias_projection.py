"""Debiasing text embeddings with a calibrated projection (Chuang et al. 2023, "Debiasing
vision-language models via biased prompts").

Text queries are projected off the spurious (group) directions: P0 = I - A (A^T A)^+ A^T with A's
columns the directions; the calibrated matrix P* = P0 (I + lambda/|S| sum_(i,j) (z_i - z_j)
(z_i - z_j)^T)^-1 also pulls together the embeddings of pairs that differ only in the group, so
the projection does not leave a residual lean. Only text embeddings change: images, and so the
index of a retrieval system, stay as they are.

Where the directions come from (``directions``):
- ``twins`` (default): the model's own image embeddings of held-out counterfactual twins (a
  world seed scans never use): one direction per occupation, the mean of (group A - group B),
  and the twin differences as the calibration pairs. Right for zoo:clip, whose text tower never
  saw group words in training: there the bias lives where the image tower put the groups.
- ``prompts``: Chuang et al.'s original, for a model whose text tower knows the groups: each
  entry of ``prompt_pairs`` is two prompts differing only in the group ("a photo of a male
  doctor." / "a photo of a female doctor."), their differences both directions and pairs.

``classify`` is rebuilt from the projected text embeddings (logits = 100 x cosine, CLIP's scale
cap), so zero-shot tasks measure the accuracy this costs; gradient methods (``pixel_logits``)
still reach the unprojected model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from PIL import Image
from pydantic import Field

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import Params
from vlmtrust.mitigations.base import WrappedModel, Wrapper

LOGIT_SCALE = 100.0


def calibrated_projection(
    directions: np.ndarray, pair_differences: np.ndarray, lam: float
) -> np.ndarray:
    """P* (dim x dim) from spurious ``directions`` and calibration pair differences (rows)."""
    a = directions.T
    p0 = np.eye(a.shape[0]) - a @ np.linalg.pinv(a)
    spread = pair_differences.T @ pair_differences / max(1, len(pair_differences))
    return np.asarray(p0 @ np.linalg.inv(np.eye(a.shape[0]) + lam * spread))


class DebiasProjectionParams(Params):
    directions: Literal["twins", "prompts"] = Field(
        default="twins",
        description="where the group directions come from: held-out world twins' image "
        "embeddings, or the text embeddings of prompt_pairs",
    )
    lam: float = Field(default=100.0, ge=0.0, description="calibration strength (lambda)")
    pairs: int = Field(default=200, ge=10, description="held-out twin pairs (directions=twins)")
    seed: int = Field(default=7_200_001, description="seed of the held-out twins")
    prompt_pairs: tuple[tuple[str, str], ...] = Field(
        default=(), description="prompts differing only in the group (directions=prompts)"
    )


class DebiasProjection(Wrapper):
    Params = DebiasProjectionParams
    params: DebiasProjectionParams
    requires = ("Embedder",)
    #: image embeddings (and so ``encode_image``, ``pixel_logits``) are left as they are
    acts_on = frozenset({"encode_text", "classify"})

    def wrap(self, model: Any) -> ProjectedText:
        return ProjectedText(model, self.fit(model))

    def fit(self, model: Any) -> np.ndarray:
        if self.params.directions == "prompts":
            if not self.params.prompt_pairs:
                raise ConfigError(
                    "debias_projection directions=prompts needs prompt_pairs",
                    "pass pairs like [['a photo of a male doctor.', 'a photo of a female "
                    "doctor.']], or use directions=twins",
                )
            first = np.asarray(model.encode_text([a for a, _ in self.params.prompt_pairs]))
            second = np.asarray(model.encode_text([b for _, b in self.params.prompt_pairs]))
            differences = first - second
            return calibrated_projection(differences, differences, self.params.lam)
        from vlmtrust.data.world.twins import twin_samples

        twins = twin_samples(self.params.seed, self.params.pairs)
        embeddings = np.asarray(model.encode_image([s.load_image() for s in twins]))
        differences = embeddings[0::2] - embeddings[1::2]  # group A minus its group B twin
        occupations = np.array([str(s.labels["occupation"]) for s in twins[0::2]])
        directions = np.stack(
            [differences[occupations == o].mean(axis=0) for o in sorted(set(occupations))]
        )
        return calibrated_projection(directions, differences, self.params.lam)


class ProjectedText(WrappedModel):
    """The same model with every text embedding multiplied by P* and re-normalised."""

    def __init__(self, inner: Any, projection: np.ndarray) -> None:
        super().__init__(inner)
        self.projection = projection

    def encode_text(self, texts: Sequence[str]) -> np.ndarray:
        raw = np.asarray(self.inner.encode_text(texts), dtype=np.float64)
        projected = raw @ self.projection.T
        norms = np.linalg.norm(projected, axis=1, keepdims=True)
        return np.asarray(projected / np.maximum(norms, 1e-12), dtype=np.float32)

    def classify(self, images: Sequence[Image.Image], labels: Sequence[str]) -> np.ndarray:
        images_emb = np.asarray(self.inner.encode_image(images), dtype=np.float32)
        return np.asarray(LOGIT_SCALE * images_emb @ self.encode_text(labels).T)
