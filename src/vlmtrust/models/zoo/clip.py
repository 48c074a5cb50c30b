"""``zoo:clip`` as a model: the trained image tower plus the frozen MiniLM text tower.

Tunable (``core.capabilities``): its image tower and, inside it, the projection; a delta is the
whole tuned tower (a few MB) with the logit scale, the same file as the shipped weights.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from safetensors.torch import load_file, save_file
from torch import nn

from vlmtrust.core.capabilities import Lora
from vlmtrust.core.errors import CapabilityError
from vlmtrust.models.base import ModelAdapter, ModelHandle, copied_module
from vlmtrust.models.text_encoder import MiniLM
from vlmtrust.models.zoo import CLIP_ROLES, offered_module
from vlmtrust.models.zoo import tower as tower_module
from vlmtrust.models.zoo.tower import ImageTower

SCALE_KEY = "logit_scale"
#: a tuned tower in a trainer's artifact
TOWER_FILE = "tower.safetensors"


def save_clip(path: Path, tower: ImageTower, scale: torch.Tensor) -> None:
    state = {k: v.detach().contiguous() for k, v in tower.state_dict().items()}
    state[SCALE_KEY] = scale.detach().reshape(()).float()
    save_file(state, str(path))


def load_tower(path: Path) -> tuple[ImageTower, torch.Tensor]:
    state = load_file(str(path))
    scale = state.pop(SCALE_KEY)
    tower = ImageTower()
    tower.load_state_dict(state)
    tower.eval()
    for p in tower.parameters():
        p.requires_grad_(False)
    return tower, scale


class ZooClip(ModelAdapter):
    """Embedder, Classifier and Differentiable over a 64 px CNN and frozen MiniLM."""

    def __init__(self, handle: ModelHandle, weights: Path, text: MiniLM | None = None) -> None:
        super().__init__(handle)
        self.tower, self.scale = load_tower(weights)
        self.text = text or MiniLM()

    def encode_image(self, images: Sequence[Image.Image]) -> np.ndarray:
        self._count()
        with torch.inference_mode():
            embedding: torch.Tensor = self.tower(self.to_pixels(images))[0]
        return embedding.numpy()

    def encode_text(self, texts: Sequence[str]) -> np.ndarray:
        self._count()
        return self.text.encode(texts)

    def classify(self, images: Sequence[Image.Image], labels: Sequence[str]) -> np.ndarray:
        self._count()
        with torch.inference_mode():
            return self.pixel_logits(self.to_pixels(images), labels).numpy()

    def to_pixels(self, images: Sequence[Image.Image]) -> torch.Tensor:
        return tower_module.to_pixels(images)

    def pixel_logits(self, pixels: torch.Tensor, labels: Sequence[str]) -> torch.Tensor:
        embedding: torch.Tensor = self.tower(pixels)[0]
        text = torch.from_numpy(self.text.encode(labels))
        logits: torch.Tensor = self.scale * embedding @ text.T
        return logits

    # Tunable: what the trainers fine-tune through

    def tunable_roles(self) -> frozenset[str]:
        return CLIP_ROLES

    def module(self, role: str) -> nn.Module:
        modules: dict[str, nn.Module] = {
            "image_tower": self.tower,
            "projection": self.tower.project,
        }
        return offered_module(self.handle.name, modules, role)

    def trainable(self, role: str, lora: Lora | None = None) -> AbstractContextManager[nn.Module]:
        """A deep copy of ``module(role)``: the organism is small enough to tune whole, so
        ``lora`` is not used."""
        return copied_module(self.module(role))

    def text_targets(self, texts: Sequence[str]) -> torch.Tensor:
        return torch.from_numpy(self.text.encode(texts))

    def logit_scale(self) -> float:
        return float(self.scale)

    def answer_loss(
        self, tuned: Mapping[str, nn.Module], examples: Sequence[Any]
    ) -> Callable[[torch.Tensor], torch.Tensor]:
        raise CapabilityError(
            f"{self.handle.name} is a dual encoder: it writes no answers to learn",
            "fine-tune a generator (zoo:assistant) with an answer-teaching mitigation",
        )

    def save_delta(self, out: Path, tuned: Mapping[str, nn.Module]) -> None:
        """The tuned tower (the base one with a tuned projection) and the logit scale."""
        for role in tuned:
            self.module(role)  # an unknown role fails here, not silently
        tower = tuned.get("image_tower", self.tower)
        assert isinstance(tower, ImageTower)
        if "projection" in tuned:
            tower = copy.deepcopy(tower)
            tower.project.load_state_dict(tuned["projection"].state_dict())
        save_clip(out / TOWER_FILE, tower, self.scale)

    def load_delta(self, artifact: Path) -> ZooClip:
        """A shallow copy with the tuned tower in place; the text tower (and its cache) is
        shared, the base model untouched."""
        tuned = copy.copy(self)
        tuned.tower, tuned.scale = load_tower(artifact / TOWER_FILE)
        return tuned
