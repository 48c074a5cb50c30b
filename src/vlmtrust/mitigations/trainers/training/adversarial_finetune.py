"""What the adversarial fine-tunes of zoo:clip (``pgd_at``, ``villa``) share.

Both train only the image tower's last conv block and its projection (the earlier layers stay
frozen, batch-norm statistics stay the base model's) against the frozen text tower's zero-shot
classifiers for the world's two label sets, shape and colour (``a photo of a {}.``), so the
model is not made robust for the one label the robustness task scores by default alone. The
training scenes are world ``objects`` scenes from a seed of the trainers' own: scans use seed 0,
so a trainer never sees the images it is judged on. The result is saved like ``resample``'s:
the tuned image tower as the model's delta.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import torch
from pydantic import Field

from vlmtrust.core.capabilities import Tunable
from vlmtrust.core.spec import Params
from vlmtrust.data import world
from vlmtrust.mitigations.trainers.training.scenes import render_pixels, world_scenes
from vlmtrust.mitigations.trainers.training.tower_finetune import SplitTower, TowerTrainer

TEMPLATE = "a photo of a {}."
WorldLabel = Literal["shape", "colour"]


class AdversarialFinetuneParams(Params):
    objects: int = Field(default=1200, ge=2, description="world object scenes to train on")
    seed: int = Field(default=7_300_008, description="world seed of the training scenes")
    labels: tuple[WorldLabel, ...] = Field(
        default=("shape", "colour"), min_length=1, description="label sets trained against"
    )
    lr: float = Field(default=1e-3, gt=0.0)


@dataclass(frozen=True)
class Job:
    """What an adversarial fine-tune trains: the split tower, the object scenes with their
    targets, each label set's unit class-prompt embeddings (``banks``) and the logit scale."""

    split: SplitTower
    data: ObjectData
    banks: Mapping[str, torch.Tensor]
    scale: float


class Steps:
    """What every adversarial fine-tune loop starts from: the frozen layers' features of all
    images (computed once), Adam over the trainable tail, and seeded minibatch draws."""

    def __init__(self, split: SplitTower, pixels: torch.Tensor, lr: float, seed: int) -> None:
        self.early = split.early(pixels, batch=len(pixels))
        self.optimiser = torch.optim.Adam(split.parameters(), lr)
        self.generator = torch.Generator().manual_seed(seed)

    def batches(self, steps: int, size: int) -> Iterator[torch.Tensor]:
        """``steps`` draws of ``size`` row indices (with replacement)."""
        for _ in range(steps):
            yield torch.randint(len(self.early), (size,), generator=self.generator)

    def update(self, loss: torch.Tensor) -> None:
        self.optimiser.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        self.optimiser.step()


@dataclass
class ObjectData:
    """Training scenes as pixels in [0, 1] with one class index per label set."""

    pixels: torch.Tensor
    targets: dict[str, torch.Tensor]


def build_object_data(params: AdversarialFinetuneParams, model: Tunable) -> ObjectData:
    scenes = world_scenes(params.seed, "objects", params.objects)
    names = {"shape": world.SHAPES, "colour": world.COLOURS}
    targets: dict[str, torch.Tensor] = {
        label: torch.tensor([names[label].index(str(getattr(s, label))) for s in scenes])
        for label in params.labels
    }
    return ObjectData(pixels=render_pixels(model, scenes), targets=targets)


def class_prompts(label: str) -> list[str]:
    return [TEMPLATE.format(c) for c in {"shape": world.SHAPES, "colour": world.COLOURS}[label]]


class AdversarialFinetune(TowerTrainer):
    """Shared training set-up: split the base tower (last block and projection train, batch-norm
    statistics stay the base model's), build the data and each label set's prompt bank."""

    Params: ClassVar[type[Params]] = AdversarialFinetuneParams
    requires: ClassVar[tuple[str, ...]] = ("Embedder", "Classifier", "Differentiable")

    def _train(self, model: Any, params: Any) -> tuple[Any, dict[str, Any]]:
        assert isinstance(params, AdversarialFinetuneParams)
        torch.manual_seed(params.seed)
        split = SplitTower(model)
        data = build_object_data(params, model)
        banks: dict[str, torch.Tensor] = {
            label: model.text_targets(class_prompts(label)) for label in params.labels
        }
        stats = self.train(Job(split, data, banks, model.logit_scale()))
        return split.done(), dict(stats)

    @abstractmethod
    def train(self, job: Job) -> Mapping[str, Any]:
        """Update ``job.split``'s trainable tail in place; return card stats."""
