"""``robustness.embedding_attack``: zero-shot accuracy when an adversary may move the image or
the text embeddings anywhere inside an L2 ball of radius r (the threat model VILLA, Gan et al.
2020, trains against).

For a dual encoder the worst case has a closed form, so no optimiser is needed and the result is
exact, not a lower bound. With image embedding ``u``, class text embeddings ``t_k`` (L2
normalised, as the Embedder contract promises) and true class ``y``:

- image side (one ``delta``, ``|delta| <= r``): the sample is lost iff some ``k != y`` has
  ``u . (t_y - t_k) < r * |t_y - t_k|`` (the margin's worst case along ``t_k - t_y``);
- text side (each class prompt moved independently, ``|delta_k| <= r``): lost iff some
  ``k != y`` has ``u . (t_y - t_k) < 2 r |u|``.

Re-normalising the perturbed image embedding scales every logit alike, so the image-side
argmax (and result) is the same with or without it; on the text side the perturbation is applied
to the embedding the similarity uses, without re-normalisation. Ties count as lost.
Rows ``accuracy_image@r`` / ``accuracy_text@r`` per radius (Wilson 95%), each with
``details["curve"] = {"x": radii, "y": accuracies}`` for the report; a sample's scores store its
smallest breaking radius per side, so changing the radii needs no re-encoding.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from pydantic import Field

from vlmtrust.core.records import Sample, Score
from vlmtrust.core.spec import Spec
from vlmtrust.metrics.declared import Declared, Row, per_condition
from vlmtrust.metrics.rates import rate
from vlmtrust.tasks.robustness.conditions import CLEAN, UNUSED_HERE
from vlmtrust.tasks.robustness.zero_shot import ZeroShot, ZeroShotParams

SIDES = ("image", "text")
REFERENCE = "Gan et al. 2020, VILLA (NeurIPS): adversarial training in the embedding space"


class EmbeddingAttackParams(ZeroShotParams):
    corruptions: tuple[str, ...] = Field(default=(), description=UNUSED_HERE)
    severity: int = Field(default=3, ge=1, le=5, description=UNUSED_HERE)
    n: int = Field(default=200, ge=1, description="world scenes when no --data is given")
    radii: tuple[float, ...] = Field(
        default=(0.0, 0.05, 0.1, 0.2, 0.3, 0.5), min_length=1, description="L2 radii"
    )


class EmbeddingAttack(ZeroShot):
    """Closed-form worst-case embedding perturbation per sample and side."""

    Params = EmbeddingAttackParams
    params: EmbeddingAttackParams
    requires = ("Embedder",)
    selection_params = ZeroShot.selection_params | {"radii"}

    def conditions(self) -> list[Spec]:
        return [CLEAN]

    def score(self, model: Any, samples: Sequence[Sample]) -> list[list[Score]]:
        classes = list(self.params.classes or ())
        label = self.params.label
        kept = [s for s in samples if s.image is not None and str(s.labels.get(label)) in classes]
        out: list[list[Score]] = []
        radii: dict[str, tuple[float, float]] = {}
        if kept:
            texts = _unit(model.encode_text([self.params.template.format(c) for c in classes]))
            images = _unit(model.encode_image([s.load_image() for s in kept]))
            truth = np.array([classes.index(str(s.labels[label])) for s in kept])
            image_r, text_r = breaking_radii(images, texts, truth)
            pairs = zip(kept, image_r, text_r, strict=True)
            radii = {s.id: (float(a), float(b)) for s, a, b in pairs}
        for sample in samples:
            if sample.id not in radii:
                reason = "no image" if sample.image is None else f"{label!r} not among classes"
                out.append(
                    [Score.cannot_score(sample.id, f"radius_{side}", reason) for side in SIDES]
                )
                continue
            out.append(
                [
                    Score(sample_id=sample.id, metric=f"radius_{side}", value=round(r, 6))
                    for side, r in zip(SIDES, radii[sample.id], strict=True)
                ]
            )
        return out

    def declared_metrics(self) -> Sequence[Declared]:
        return (per_condition(self._curves, shared=False, unscorable="estimate"),)

    def _curves(self, scores: Sequence[Score]) -> Iterator[Row]:
        """Accuracy at each radius per side: a sample survives r iff its breaking radius > r."""
        for side in SIDES:
            mine = [s for s in scores if s.metric == f"radius_{side}"]
            estimates = [
                rate([s if s.unscorable else _survives(s, r) for s in mine])
                for r in self.params.radii
            ]
            curve = {"x": list(self.params.radii), "y": [e.value for e in estimates]}
            for r, est in zip(self.params.radii, estimates, strict=True):
                details = {"side": side, "radius": r, "curve": curve, "reference": REFERENCE}
                yield f"accuracy_{side}@{r:g}", est, details


def breaking_radii(
    images: np.ndarray, texts: np.ndarray, truth: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per sample, the smallest L2 radius that flips it, on the image side and the text side
    (0 when it is already misclassified). A sample survives radius r iff its radius > r."""
    scores = images @ texts.T  # (n, classes)
    margins = scores[np.arange(len(truth)), truth][:, None] - scores  # u.(t_y - t_k)
    gaps = np.linalg.norm(texts[truth][:, None, :] - texts[None, :, :], axis=2)  # |t_y - t_k|
    others = np.ones_like(margins, dtype=bool)
    others[np.arange(len(truth)), truth] = False
    with np.errstate(divide="ignore", invalid="ignore"):
        image_side = np.where(others & (gaps > 0), margins / gaps, np.inf)
        image_side = np.where(others & (gaps == 0), 0.0, image_side)
    norms = np.linalg.norm(images, axis=1, keepdims=True)
    text_side = np.where(others, margins / (2 * np.where(norms == 0, 1.0, norms)), np.inf)
    image_r = np.clip(image_side.min(axis=1), 0.0, None)
    text_r = np.clip(text_side.min(axis=1), 0.0, None)
    return image_r, text_r


def _survives(score: Score, radius: float) -> Score:
    return score.model_copy(update={"value": float((score.value or 0.0) > radius)})


def _unit(x: Any) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    norms = np.linalg.norm(a, axis=1, keepdims=True)
    return np.asarray(a / np.where(norms == 0, 1.0, norms))
