"""What the adversarial fine-tunes (``pgd_at``, ``villa``) share, on a zoo CLIP or an ``hf:``
CLIP / SigLIP.

Both train only the image tower's last ``tuned_blocks`` blocks and its projection (the earlier
layers stay frozen, batch-norm statistics stay the base model's) against the frozen text
tower's zero-shot classifiers for several label sets at once (``a photo of a {}.``), so the
model is not made robust for the one label the robustness task scores by default alone. On a
zoo model without ``train_data`` the label sets are the world's shape and colour, on world
``objects`` scenes from a seed of the trainers' own (scans use seed 0, so a trainer never sees
the images it is judged on). With ``train_data`` they are the folder's ``label_columns``, each
column's distinct values its classes. The result is saved like ``resample``'s: the tuned image
tower as the model's delta.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import torch
from pydantic import Field, field_validator

from vlmtrust.core.capabilities import Tunable
from vlmtrust.core.spec import Params
from vlmtrust.data import world
from vlmtrust.mitigations.trainers.training.scenes import render_pixels, world_scenes
from vlmtrust.mitigations.trainers.training.tower_data import require_classes, user_rows
from vlmtrust.mitigations.trainers.training.tower_finetune import SplitTower, TowerTrainer
from vlmtrust.mitigations.trainers.training.train_data import TrainDataParams, train_samples
from vlmtrust.models.base import ModelHandle

TEMPLATE = "a photo of a {}."
WorldLabel = Literal["shape", "colour"]


class AdversarialFinetuneParams(TrainDataParams):
    objects: int = Field(default=1200, ge=2, description="world object scenes to train on")
    seed: int = Field(default=7_300_008, description="world seed of the training scenes")
    labels: tuple[WorldLabel, ...] = Field(
        default=("shape", "colour"), min_length=1, description="world label sets trained against"
    )
    label_columns: tuple[str, ...] = Field(
        default=("label",),
        min_length=1,
        description="train_data's class columns trained against (their values are the classes)",
    )
    lr: float = Field(default=1e-3, gt=0.0, description="Adam learning rate")
    tuned_blocks: int = Field(default=1, ge=1, description="last tower blocks that train")

    @field_validator("label_columns", mode="before")
    @classmethod
    def _one_column(cls, value: object) -> object:
        """``label_columns=shape`` on the command line names one column."""
        return (value,) if isinstance(value, str) else value


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

    def train_columns(self) -> tuple[str, ...]:
        params = self.params
        assert isinstance(params, AdversarialFinetuneParams)
        return params.label_columns

    def check_model(self, handle: ModelHandle) -> None:
        super().check_model(handle)
        params = self.params
        assert isinstance(params, AdversarialFinetuneParams)
        if params.train_data is not None:
            samples = train_samples(params.train_data, self.spec.name, params.label_columns)
            require_classes(samples, params.label_columns, params.train_data, self.spec.name)

    def _train(self, model: Any, params: Any) -> tuple[Any, dict[str, Any]]:
        assert isinstance(params, AdversarialFinetuneParams)
        torch.manual_seed(params.seed)
        split = SplitTower(model, params.tuned_blocks)
        if params.train_data is None:
            data = build_object_data(params, model)
            prompts: dict[str, list[str]] = {label: class_prompts(label) for label in params.labels}
        else:
            data, prompts = self._user_data(model, params, params.train_data)
        banks = {label: model.text_targets(texts) for label, texts in prompts.items()}
        stats = self.train(Job(split, data, banks, model.logit_scale()))
        return split.done(), dict(stats)

    def _user_data(
        self, model: Any, params: AdversarialFinetuneParams, train_data: str
    ) -> tuple[ObjectData, dict[str, list[str]]]:
        """The folder's images with a class index per label column, and each column's class
        prompts (its distinct values in the template)."""
        rows = user_rows(model, train_data, self.spec.name, params.label_columns)
        columns = params.label_columns
        targets = {name: rows.targets(name) for name in columns}
        prompts = {name: [TEMPLATE.format(c) for c in rows.classes(name)] for name in columns}
        return ObjectData(pixels=rows.pixels, targets=targets), prompts

    @abstractmethod
    def train(self, job: Job) -> Mapping[str, Any]:
        """Update ``job.split``'s trainable tail in place; return card stats."""
