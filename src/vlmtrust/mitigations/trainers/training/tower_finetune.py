"""What the tower trainers (``mixgen``, ``biaug``, ``align``, ``resample``, ``pgd_at``,
``villa``) share, on a zoo CLIP or an ``hf:`` CLIP / SigLIP alike (any ``BlockTower``).

Their data: the user's ``train_data`` folder (``training.train_data``; required outside the
zoo), else replay scenes drawn like the organism's own training (object scenes with a written
shape name in ``text_prob`` of them, plus people with no planted group bias), rendered once with
the model's preprocessing. The tower split into the frozen early layers (their features
computed once) and the trainable last block(s) and projection; InfoNCE of images against a
caption bank embedded once by the frozen text tower; and saving the tuned tower as the model's
delta (``Tunable.save_delta``). The seed is the mitigation's own: scans use seed 0, so a
trainer never sees the world images it is judged on.

Devices: the split runs on the tower's device, while what a trainer keeps between steps (early
features, pooled features, embeddings it compares with the CPU text targets) comes back to the
device of the pixels it gave (the CPU); on the zoo's CPU towers every move is a no-op.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import torch
from pydantic import Field
from torch import nn

from vlmtrust.core.capabilities import BlockTower, Tunable, block_tower
from vlmtrust.core.errors import ConfigError
from vlmtrust.core.threads import torch_threads
from vlmtrust.data import world
from vlmtrust.mitigations.trainers.base import Trainer
from vlmtrust.mitigations.trainers.training.scenes import render_pixels, world_scenes
from vlmtrust.mitigations.trainers.training.tower_data import user_rows
from vlmtrust.mitigations.trainers.training.train_data import (
    TrainDataParams,
    require_train_data,
    samples_fingerprint,
    train_samples,
)
from vlmtrust.models.base import ModelHandle

CAPTION = "caption"


class ReplayParams(TrainDataParams):
    objects: int = Field(default=800, ge=1, description="object scenes replayed")
    people: int = Field(default=200, ge=0, description="people scenes replayed (no group bias)")
    text_prob: float = Field(
        default=0.3, ge=0.0, le=1.0, description="share of scenes with a written shape name"
    )
    seed: int = Field(default=7_400_001, description="world seed of the training scenes")


class TowerStepParams(ReplayParams):
    """The optimiser settings of the caption-bank tower fine-tunes (``mixgen``,
    ``outlier_exposure``)."""

    steps: int = Field(default=200, ge=1, description="Adam steps")
    lr: float = Field(default=1e-3, gt=0.0, description="Adam learning rate")
    batch_size: int = Field(default=128, ge=2, description="image-caption pairs per step")
    tuned_blocks: int = Field(default=1, ge=1, description="last tower blocks that train")


def replay_scenes(params: ReplayParams) -> list[world.Scene]:
    objects = world_scenes(params.seed, "objects", params.objects, text_prob=params.text_prob)
    people = world_scenes(params.seed, "people", params.people, text_prob=params.text_prob)
    return objects + people


def start_replay(params: ReplayParams) -> tuple[torch.Generator, list[world.Scene], list[str]]:
    """The seeded start every replay trainer shares: torch's global seed and a generator for
    its own draws, both from the mitigation's seed; the replay scenes and their captions
    (without group words)."""
    generator = seeded(params.seed)
    scenes = replay_scenes(params)
    return generator, scenes, [s.caption(with_group=False) for s in scenes]


def seeded(seed: int) -> torch.Generator:
    """torch's global seed and a generator for a trainer's own draws, from its seed."""
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def captioned_pixels(
    params: ReplayParams, model: Tunable, trainer: str
) -> tuple[torch.Generator, torch.Tensor, list[str]]:
    """The seeded start of a caption trainer: its generator, then the images it trains on as
    the model's pixels with their captions: the ``train_data`` folder's rows, else the replay
    scenes."""
    if params.train_data is None:
        generator, scenes, captions = start_replay(params)
        return generator, render_pixels(model, scenes), captions
    generator = seeded(params.seed)
    rows = user_rows(model, params.train_data, trainer, [CAPTION])
    return generator, rows.pixels, rows.values(CAPTION)


def data_count(params: TrainDataParams, n: int) -> dict[str, int]:
    """The card's count of training images: world replay scenes, or the user's rows."""
    return {"replay_scenes" if params.train_data is None else "train_rows": n}


class CaptionBank:
    """Distinct captions, their frozen text embeddings, and an index lookup."""

    def __init__(self, model: Tunable, captions: Sequence[str]) -> None:
        self.captions = sorted(set(captions))
        self.lookup = {c: i for i, c in enumerate(self.captions)}
        self.embeddings = model.text_targets(self.captions)

    def index(self, captions: Sequence[str]) -> torch.Tensor:
        return torch.tensor([self.lookup[c] for c in captions])


class SplitTower:
    """A copy of the model's image tower (a ``BlockTower``: the zoo's CNN, a CLIP or SigLIP
    vision transformer) whose last ``tuned`` blocks and projection train; the earlier layers
    are frozen and their output computed once per image. Batch-norm statistics stay those of
    the base model (eval mode)."""

    def __init__(self, model: Tunable, tuned: int = 1) -> None:
        base = block_tower(model.module("image_tower"), "a tower fine-tune")
        self.tower = copy.deepcopy(base)
        self.tower.eval()
        self.device = next(self.tower.parameters()).device
        blocks = self.tower.blocks
        if not 1 <= tuned <= len(blocks):
            raise ConfigError(
                f"tuned_blocks={tuned}, but the image tower has {len(blocks)} blocks",
                f"pick tuned_blocks between 1 and {len(blocks)}",
            )
        self.frozen, self.head = blocks[:-tuned], blocks[-tuned:]
        if tuned == 1:  # the one block itself, as the zoo's trainers always ran it
            self.head = blocks[-1]

    def early(self, pixels: torch.Tensor, batch: int = 256) -> torch.Tensor:
        """The frozen layers' output, in chunks of ``batch`` images (``len(pixels)``: one pass,
        as ``resample`` and the adversarial fine-tunes always computed it)."""
        with torch.no_grad():
            parts = [
                self.frozen(self.tower.stem(pixels[i : i + batch])).to(pixels.device)
                for i in range(0, len(pixels), batch)
            ]
        return torch.cat(parts) if parts else torch.zeros(0)

    def parameters(self, head: bool = True) -> list[nn.Parameter]:
        trainable = [*self.tower.project.parameters()]
        if head:
            trainable = [*self.head.parameters(), *trainable]
        for p in trainable:
            p.requires_grad_(True)
        return trainable

    def pooled(self, early: torch.Tensor) -> torch.Tensor:
        """What the projection reads: the tuned blocks' output, pooled."""
        return self.tower.pool(self.head(early.to(self.device))).to(early.device)

    def embed(self, early: torch.Tensor) -> torch.Tensor:
        """Unit float32 embeddings of early features, on their device."""
        return self.embed_pooled(self.pooled(early))

    def embed_pooled(self, pooled: torch.Tensor) -> torch.Tensor:
        """Unit float32 embeddings of pooled features (the projection's input), on their
        device (a half-precision tower's embeddings meet the float32 text targets)."""
        projected = self.tower.project(pooled.to(self.device)).float()
        return nn.functional.normalize(projected, dim=-1).to(pooled.device)

    def done(self) -> BlockTower:
        for p in self.tower.parameters():
            p.requires_grad_(False)
        return self.tower


def info_nce(
    scale: float, embedding: torch.Tensor, bank: torch.Tensor, target: torch.Tensor
) -> torch.Tensor:
    """Image-to-text InfoNCE against every caption of the bank, as the organism was trained."""
    return nn.functional.cross_entropy(scale * embedding @ bank.T, target)


class TowerTrainer(Trainer):
    """The shape every tower trainer here shares: the ``train_data`` folder checked before
    the run (the world is the default for zoo models only) and fingerprinted into the artifact
    key; train on one thread (small batches only contend for a second core), save the tuned
    tower as the model's delta."""

    requires: ClassVar[tuple[str, ...]] = ("Embedder", "Classifier")
    roles: ClassVar[tuple[str, ...]] = ("image_tower",)

    def train_columns(self) -> tuple[str, ...]:
        """The train_data columns the trainer reads beside each image."""
        return (CAPTION,)

    def _train_data(self) -> str | None:
        params = self.params
        assert isinstance(params, TrainDataParams)
        return params.train_data

    def check_model(self, handle: ModelHandle) -> None:
        super().check_model(handle)
        require_train_data(handle, self._train_data(), self.spec.name, self.train_columns())

    def data_fingerprint(self) -> str:
        train_data = self._train_data()
        if train_data is None:
            return ""
        columns = self.train_columns()
        return samples_fingerprint(train_samples(train_data, self.spec.name, columns), columns)

    def fit(self, model: Any, out: Path) -> Mapping[str, Any]:
        with torch_threads(1):
            tower, stats = self._train(model, self.params)
        model.save_delta(out, {"image_tower": tower})
        return stats

    def _train(self, model: Any, params: Any) -> tuple[Any, dict[str, Any]]:
        raise NotImplementedError
