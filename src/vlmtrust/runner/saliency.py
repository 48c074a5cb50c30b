"""Saliency maps for the report's failed gallery examples: which pixels drew a Differentiable
model to its (wrong) answer, so a reader sees, for example, that the typographic attack's word
did.

The map is gradient x input: the gradient of the chosen class's log-probability (log-softmax
over the task's own prompts) with respect to the pixels, times the pixels' offset from mid-grey
(a one-step integrated gradient from a grey image: black and white ink count alike, where plain
gradient x input would give black ink no weight), summed over colour channels, absolute. It
costs one forward and one backward pass per example, and only failed gallery examples (a few per
condition, ``Task.examples_per_condition``) get one, so a scan pays a few passes per condition.

A map is made only where it explains the model that answered: the bare model, a fine-tuned one
(trainers), or a wrapper whose ``pixel_logits`` carries its change; a wrapper that changes
``classify`` but passes ``pixel_logits`` through (``ocr_mask``, ``guard``) would have the map
explain the bare model, so its examples get none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from PIL import Image

from vlmtrust.core.capabilities import Differentiable
from vlmtrust.core.records import Score, encode_png
from vlmtrust.core.spec import Spec
from vlmtrust.models.base import ModelHandle
from vlmtrust.runner.examples import Explain
from vlmtrust.runner.executor import ModelCache
from vlmtrust.tasks.base import Task

#: mid-grey, the reference the pixels' offsets are measured from
BASELINE = 0.5
#: the heat shown at full strength: this quantile of the map (a few hot pixels do not wash out
#: the rest)
HEAT_QUANTILE = 0.99


def saliency_map(model: Any, image: Image.Image, prompts: Sequence[str], chosen: int) -> np.ndarray:
    """|gradient x (input - grey)| of the chosen prompt's log-probability, per pixel of the
    model's input grid (H x W, non-negative, float64)."""
    pixels = model.to_pixels([image]).detach().clone().requires_grad_(True)
    with torch.enable_grad():
        logits = model.pixel_logits(pixels, list(prompts))
        chosen_logprob = torch.log_softmax(logits.float(), dim=-1)[0, chosen]
        chosen_logprob.backward()  # type: ignore[no-untyped-call]
    grad = pixels.grad
    if grad is None:  # the model's path did not reach the pixels
        return np.zeros(tuple(pixels.shape[-2:]))
    heat = (grad * (pixels.detach() - BASELINE)).sum(dim=1)[0].abs()
    return np.asarray(heat.cpu().double().numpy())


def at_size(heat: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The map resampled to an image's (width, height), its total mass kept."""
    if heat.shape[::-1] == size:
        return heat
    image = Image.fromarray(heat.astype(np.float32), mode="F")
    resized = np.asarray(image.resize(size, Image.Resampling.BILINEAR), dtype=np.float64)
    total = resized.sum()
    return resized * (heat.sum() / total) if total > 0 else resized


def overlay_png(image: Image.Image, heat: np.ndarray, thumbnail_px: int) -> bytes:
    """The image in grey with the map in red over it, at the gallery's thumbnail size."""
    shown = image.convert("RGB")
    if max(shown.size) > thumbnail_px:
        shown.thumbnail((thumbnail_px, thumbnail_px), Image.Resampling.LANCZOS)
    grey = np.asarray(shown.convert("L"), dtype=np.float64)[..., None] / 255.0
    scaled = at_size(heat, shown.size)
    top = float(np.quantile(scaled, HEAT_QUANTILE)) if scaled.size else 0.0
    strength = np.clip(scaled / top, 0.0, 1.0)[..., None] if top > 0 else np.zeros_like(grey)
    red = np.array([1.0, 0.1, 0.0])
    mixed = (1 - strength) * (0.35 + 0.5 * grey) + strength * red
    return encode_png(Image.fromarray((mixed * 255).round().astype(np.uint8), mode="RGB"))


def faithful(variant: Sequence[Spec]) -> bool:
    """Whether the variant's ``pixel_logits`` is the model that answered (see the module)."""
    from vlmtrust.mitigations.base import build_mitigation

    for spec in variant:
        acts_on = build_mitigation(spec).acts_on
        if acts_on is not None and "classify" in acts_on and "pixel_logits" not in acts_on:
            return False
    return True


class Explainer:
    """Saliency overlays for one scan's gallery: loads each variant's model at most once, and
    only when an example asks for a map."""

    def __init__(self, handle: ModelHandle, thumbnail_px: int) -> None:
        self._handle = handle
        self._thumbnail_px = thumbnail_px
        self._models = ModelCache()

    @property
    def can_explain(self) -> bool:
        return "Differentiable" in self._handle.capabilities

    def overlay(
        self, variant: Sequence[Spec], image: Image.Image, prompts: Sequence[str], chosen: int
    ) -> bytes | None:
        if not self.can_explain or not faithful(variant):
            return None
        model = self._models.get(self._handle, variant)
        if not isinstance(model, Differentiable):
            return None
        return overlay_png(image, saliency_map(model, image, prompts, chosen), self._thumbnail_px)

    def close(self) -> None:
        self._models.close()


def failure_saliency(task: Task, variant: Sequence[Spec], explainer: Explainer) -> Explain:
    """The gallery's ``explain`` for one task and variant: a map for a failed, scorable example
    whose prediction the task can name among its prompts; None for the rest."""

    def explain(image: Image.Image, score: Score) -> bytes | None:
        if score.unscorable or score.value != task.failure_value:
            return None
        choice = task.explained_choice(score.label)
        if choice is None:
            return None
        return explainer.overlay(variant, image, *choice)

    return explain
