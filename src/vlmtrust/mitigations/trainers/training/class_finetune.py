"""What the class-prompt tower fine-tunes (``ogen``, ``anchor_finetune``) share: images with
their captions *and* a class per image, and the zero-shot classifier of the class prompts.

Both fine-tune a CLIP's image tower towards a classification task (the class named by ``label``,
read through ``template`` prompts of the frozen text tower), which is the fine-tune that costs a
CLIP its zero-shot generality; each adds its own regulariser. Data: the world's replay scenes
(zoo models; ``people`` scenes have no shape, so their class is -1 and only caption terms see
them), else the user's ``train_data`` rows with a ``caption`` and a ``label`` column (the
classes are the column's distinct values).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from pydantic import Field

from vlmtrust.core.capabilities import Tunable
from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import PromptTemplate
from vlmtrust.mitigations.trainers.training.scenes import render_pixels
from vlmtrust.mitigations.trainers.training.tower_data import user_rows
from vlmtrust.mitigations.trainers.training.tower_finetune import (
    CAPTION,
    TowerStepParams,
    TowerTrainer,
    seeded,
    start_replay,
)

#: the class of an image that has none (a people scene has no shape)
NO_CLASS = -1


class ClassFinetuneParams(TowerStepParams):
    label: str = Field(
        default="shape", description="the label the fine-tune classifies (a train_data column)"
    )
    classes: tuple[str, ...] | None = Field(
        default=None,
        description="class names; default: the world's values of label, or train_data's",
    )
    template: PromptTemplate = Field(
        default="a photo of a {}.", description="prompt per class ('{}': the class)"
    )


@dataclass(frozen=True)
class ClassData:
    """Training images as the model's pixels, their captions, and each one's class index into
    ``classes`` (``NO_CLASS`` where it has none)."""

    pixels: torch.Tensor
    captions: list[str]
    targets: torch.Tensor
    classes: tuple[str, ...]

    @property
    def labelled(self) -> torch.Tensor:
        """Indices of the images that have a class."""
        return torch.nonzero(self.targets != NO_CLASS).flatten()


def class_data(
    params: ClassFinetuneParams, model: Tunable, trainer: str
) -> tuple[torch.Generator, ClassData]:
    """The seeded start of a class fine-tune: its generator and its data."""
    if params.train_data is None:
        generator, scenes, captions = start_replay(params)
        values = [str(scene.labels().get(params.label, "")) for scene in scenes]
        classes = params.classes or world_classes(params.label)
        pixels = render_pixels(model, scenes)
    else:
        generator = seeded(params.seed)
        rows = user_rows(model, params.train_data, trainer, [CAPTION, params.label])
        values, captions, pixels = rows.values(params.label), rows.values(CAPTION), rows.pixels
        classes = params.classes or tuple(rows.classes(params.label))
    lookup = {c: i for i, c in enumerate(classes)}
    targets = torch.tensor([lookup.get(str(v), NO_CLASS) for v in values])
    if int((targets != NO_CLASS).sum()) < 2:
        raise ConfigError(
            f"{trainer}: fewer than 2 training images have a {params.label!r} among {classes}",
            f"pass label=<a label the images have> or classes=[...] naming their {params.label}s",
        )
    return generator, ClassData(pixels, captions, targets, tuple(classes))


def world_classes(label: str) -> tuple[str, ...]:
    """The world's class names for ``label`` (shape, colour, background, occupation)."""
    from vlmtrust.data.world.source import LABEL_VALUES

    if label not in LABEL_VALUES:
        raise ConfigError(
            f"the world has no class list for label {label!r}",
            f"pass label= one of {sorted(LABEL_VALUES)}, or classes=[...]",
        )
    return LABEL_VALUES[label]


class ClassTowerTrainer(TowerTrainer):
    """A tower trainer whose ``train_data`` rows need a caption and the ``label`` column."""

    def train_columns(self) -> tuple[str, ...]:
        params = self.params
        assert isinstance(params, ClassFinetuneParams)
        return (CAPTION, params.label)

    def _train(self, model: Any, params: Any) -> tuple[Any, dict[str, Any]]:
        raise NotImplementedError
