"""``zoo:clip`` as a model: the trained image tower plus the frozen MiniLM text tower."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from safetensors.torch import load_file, save_file

from vlmtrust.models.base import ModelAdapter, ModelHandle
from vlmtrust.models.zoo import tower as tower_module
from vlmtrust.models.zoo.text_tower import MiniLM
from vlmtrust.models.zoo.tower import ImageTower

SCALE_KEY = "logit_scale"


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
