"""What the adversarial fine-tunes of zoo:clip (``pgd_at``, ``villa``) share.

Both train only the image tower's last conv block and its projection (the earlier layers stay
frozen, batch-norm statistics stay the base model's) against the frozen text tower's zero-shot
classifiers for the world's two label sets, shape and colour (``a photo of a {}.``), so the
model is not made robust for the one label the robustness task scores by default alone. The
training scenes are world ``objects`` scenes from a seed of the trainers' own: scans use seed 0,
so a trainer never sees the images it is judged on. The result is saved like ``resample``'s: a
whole tower file, loaded in place of the base tower.
"""

from __future__ import annotations

import copy
from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

import torch
from pydantic import Field
from torch import nn

from vlmtrust.core.spec import Params
from vlmtrust.core.threads import torch_threads
from vlmtrust.data import world
from vlmtrust.mitigations.trainers.base import Trainer
from vlmtrust.mitigations.trainers.training.clip_data import SUPPORTED
from vlmtrust.models.zoo.clip import load_tower, save_clip
from vlmtrust.models.zoo.tower import MEAN, STD, ImageTower, to_pixels

TOWER_FILE = "tower.safetensors"
TEMPLATE = "a photo of a {}."
WorldLabel = Literal["shape", "colour"]


class AdversarialFinetuneParams(Params):
    objects: int = Field(default=1200, ge=2, description="world object scenes to train on")
    seed: int = Field(default=7_300_008, description="world seed of the training scenes")
    labels: tuple[WorldLabel, ...] = Field(
        default=("shape", "colour"), min_length=1, description="label sets trained against"
    )
    lr: float = Field(default=1e-3, gt=0.0)


@dataclass
class ObjectData:
    """Training scenes as pixels in [0, 1] with one class index per label set."""

    pixels: torch.Tensor
    targets: dict[str, torch.Tensor]


def build_object_data(params: AdversarialFinetuneParams) -> ObjectData:
    scenes = [world.scene_for(params.seed, i, "objects") for i in range(params.objects)]
    names = {"shape": world.SHAPES, "colour": world.COLOURS}
    targets: dict[str, torch.Tensor] = {
        label: torch.tensor([names[label].index(str(getattr(s, label))) for s in scenes])
        for label in params.labels
    }
    return ObjectData(pixels=to_pixels([world.render(s) for s in scenes]), targets=targets)


def class_prompts(label: str) -> list[str]:
    return [TEMPLATE.format(c) for c in {"shape": world.SHAPES, "colour": world.COLOURS}[label]]


class TowerHead(nn.Module):
    """The trainable tail of a tower copy: early feature map (B, 128, 8, 8) -> unit embedding."""

    def __init__(self, tower: ImageTower) -> None:
        super().__init__()
        self.block = tower.features[-1]
        self.project = tower.project

    def forward(self, early: torch.Tensor) -> torch.Tensor:
        embedding = self.project(self.block(early).mean(dim=(2, 3)))
        return nn.functional.normalize(embedding, dim=-1)


def early_features(tower: ImageTower, pixels: torch.Tensor) -> torch.Tensor:
    """The frozen layers' output, the trainable head's input."""
    frozen: nn.Module = tower.features[:-1]
    out: torch.Tensor = frozen((pixels - MEAN) / STD)
    return out


class AdversarialFinetune(Trainer):
    """Shared fit/load: copy the base tower, freeze all but the head, train, save the tower."""

    Params: ClassVar[type[Params]] = AdversarialFinetuneParams
    requires: ClassVar[tuple[str, ...]] = ("Embedder", "Classifier", "Differentiable")
    supported_models: ClassVar[tuple[str, ...]] = SUPPORTED

    def fit(self, model: Any, out: Path) -> Mapping[str, Any]:
        params = self.params
        assert isinstance(params, AdversarialFinetuneParams)
        with torch_threads(1):
            torch.manual_seed(params.seed)
            tower = copy.deepcopy(model.tower)
            tower.eval()  # batch-norm statistics stay those of the base model
            for p in tower.parameters():
                p.requires_grad_(False)
            head = TowerHead(tower)
            for p in head.parameters():
                p.requires_grad_(True)
            data = build_object_data(params)
            banks: dict[str, torch.Tensor] = {
                label: torch.from_numpy(model.text.encode(class_prompts(label)))
                for label in params.labels
            }
            stats = self.train(tower, head, data, banks, float(model.scale))
        for p in tower.parameters():
            p.requires_grad_(False)
        save_clip(out / TOWER_FILE, tower, model.scale)
        return stats

    @abstractmethod
    def train(
        self,
        tower: ImageTower,
        head: TowerHead,
        data: ObjectData,
        banks: Mapping[str, torch.Tensor],
        scale: float,
    ) -> Mapping[str, Any]:
        """Update ``head`` (whose parameters are ``tower``'s last block and projection) in
        place; ``banks`` holds each label set's unit class-prompt embeddings; return card stats."""

    def load(self, model: Any, artifact: Path, card: Mapping[str, Any]) -> Any:
        tuned = copy.copy(model)
        tuned.tower, tuned.scale = load_tower(artifact / TOWER_FILE)
        tuned.card = dict(card)
        return tuned
