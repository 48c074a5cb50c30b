"""The zero-shot head as a plain linear map, the part a private protocol computes: a dual
encoder's logits are ``scale * image_embedding @ text_embeddings.T (+ bias)``, so the server's
whole model after the image tower is one matrix and one bias."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from vlmtrust.core.errors import CapabilityError

#: how far (relative to the largest logit) the fitted head may miss the model's own logits
HEAD_FIT_TOLERANCE = 1e-4


@dataclass(frozen=True)
class LinearHead:
    """``logits = embedding @ weight.T + bias``; weight is (classes, dim)."""

    weight: np.ndarray
    bias: np.ndarray

    def logits(self, embeddings: np.ndarray) -> np.ndarray:
        return np.asarray(embeddings @ self.weight.T + self.bias)


def zero_shot_head(
    model: Any, images: Sequence[Image.Image], prompts: Sequence[str]
) -> tuple[LinearHead, np.ndarray, np.ndarray]:
    """The model's zero-shot head over ``prompts``, the images' embeddings and the model's own
    (plaintext) logits. The scale and bias are fitted by least squares on this batch and checked
    to reproduce ``classify`` exactly: a model whose logits are not linear in its embeddings
    (a re-ranker, a mitigation changing logits) cannot be computed this way and is refused."""
    embeddings = np.asarray(model.encode_image(images), dtype=np.float64)
    text = np.asarray(model.encode_text(prompts), dtype=np.float64)
    plain = np.asarray(model.classify(images, prompts), dtype=np.float64)
    raw = embeddings @ text.T
    design = np.stack([raw.ravel(), np.ones(raw.size)], axis=1)
    (scale, bias), *_ = np.linalg.lstsq(design, plain.ravel(), rcond=None)
    head = LinearHead(weight=scale * text, bias=np.full(len(prompts), bias))
    miss = float(np.abs(head.logits(embeddings) - plain).max()) if plain.size else 0.0
    if miss > HEAD_FIT_TOLERANCE * max(1.0, float(np.abs(plain).max(initial=0.0))):
        raise CapabilityError(
            f"logits are not scale * image @ text embeddings + bias (off by {miss:.3g})",
            "private scoring needs a dual encoder's zero-shot head (e.g. zoo:clip, hf: CLIP)",
        )
    return head, embeddings, plain


def fit_probe(embeddings: np.ndarray, labels: Sequence[str], classes: Sequence[str]) -> LinearHead:
    """A multinomial logistic-regression probe on image embeddings (scikit-learn), rows in the
    order of ``classes``: a trained linear head the server may hold instead of text prompts."""
    from sklearn.linear_model import LogisticRegression

    missing = sorted(set(classes) - set(labels))
    if missing:
        raise CapabilityError(
            f"the probe's training scenes have no example of {missing}",
            "raise probe_n, or pick a label whose classes the world draws",
        )
    fitted = LogisticRegression(max_iter=2000).fit(embeddings, list(labels))
    order = [list(fitted.classes_).index(c) for c in classes]
    return LinearHead(
        weight=np.asarray(fitted.coef_, dtype=np.float64)[order],
        bias=np.asarray(fitted.intercept_, dtype=np.float64)[order],
    )


def prompt_classes(prompts: Sequence[str], classes: Sequence[str]) -> list[int]:
    """Which class each zero-shot prompt names (the longest class name it contains), so a probe
    answers the task's prompts in their order; a prompt naming none is refused."""
    found = []
    for prompt in prompts:
        named = [i for i, c in enumerate(classes) if c in prompt]
        if not named:
            raise CapabilityError(
                f"prompt {prompt!r} names none of the probe's classes {list(classes)}",
                "score a label the probe was trained on (probe_label), or use head=zero_shot",
            )
        found.append(max(named, key=lambda i: len(classes[i])))
    return found
