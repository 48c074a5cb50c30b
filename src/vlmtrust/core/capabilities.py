"""What a model can do, as small Protocols. Tasks declare what they need; the runner checks
before any work starts, so a wrong model fails in a second with a clear message, not mid-run."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from vlmtrust.core.errors import CapabilityError

if TYPE_CHECKING:
    import numpy as np
    import torch
    from PIL import Image


@runtime_checkable
class Embedder(Protocol):
    """Maps images and texts into one space; returns L2-normalised float32 rows."""

    def encode_image(self, images: Sequence[Image.Image]) -> np.ndarray: ...

    def encode_text(self, texts: Sequence[str]) -> np.ndarray: ...


@runtime_checkable
class Classifier(Protocol):
    """Scores images against a label set; returns logits of shape (images, labels)."""

    def classify(self, images: Sequence[Image.Image], labels: Sequence[str]) -> np.ndarray: ...


@runtime_checkable
class Generator(Protocol):
    """Image (optional) + prompt -> text."""

    def generate(
        self, images: Sequence[Image.Image | None], prompts: Sequence[str]
    ) -> list[str]: ...


@runtime_checkable
class Differentiable(Protocol):
    """Exposes a differentiable path from pixels in [0, 1] to logits, for gradient attacks."""

    def to_pixels(self, images: Sequence[Image.Image]) -> torch.Tensor: ...

    def pixel_logits(self, pixels: torch.Tensor, labels: Sequence[str]) -> torch.Tensor: ...


CAPABILITIES: dict[str, type] = {
    "Embedder": Embedder,
    "Classifier": Classifier,
    "Generator": Generator,
    "Differentiable": Differentiable,
}


def check_capabilities(
    model_name: str, offered: Iterable[str], required: Iterable[str], task: str
) -> None:
    """Raise a CapabilityError naming the first capability ``task`` needs and the model lacks."""
    have = set(offered)
    for need in required:
        if need not in CAPABILITIES:
            raise ValueError(f"unknown capability {need!r}")
        if need not in have:
            offered_text = ", ".join(sorted(have)) or "none"
            raise CapabilityError(
                f"model {model_name} is not a {need}, which task {task} needs "
                f"(it offers: {offered_text})",
                "pick a model with that capability or drop the task from --suite",
            )


def capabilities_of(model: object) -> frozenset[str]:
    """The capabilities a loaded model object actually implements."""
    return frozenset(name for name, proto in CAPABILITIES.items() if isinstance(model, proto))
