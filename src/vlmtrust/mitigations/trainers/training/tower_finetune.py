"""What the zoo:clip augmentation and alignment trainers (``mixgen``, ``biaug``, ``align``) share.

Replay scenes drawn like the organism's own training (object scenes with a written shape name in
``text_prob`` of them, plus people with no planted group bias), rendered once; the tower split
into the frozen early layers (their features computed once) and the trainable last block and
projection; InfoNCE of images against a caption bank embedded once by the frozen text tower; and
loading the tuned tower back into a copy of the base model. The seed is the mitigation's own:
scans use seed 0, so a trainer never sees the images it is judged on.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import torch
from pydantic import Field
from torch import nn

from vlmtrust.core.spec import Params
from vlmtrust.data import world
from vlmtrust.mitigations.trainers.base import Trainer
from vlmtrust.models.zoo.tower import MEAN, STD, ImageTower, to_pixels

SUPPORTED = ("zoo:clip", "zoo:clip-fair")
TOWER_FILE = "tower.safetensors"


class ReplayParams(Params):
    objects: int = Field(default=800, ge=1, description="object scenes replayed")
    people: int = Field(default=200, ge=0, description="people scenes replayed (no group bias)")
    text_prob: float = Field(
        default=0.3, ge=0.0, le=1.0, description="share of scenes with a written shape name"
    )
    seed: int = Field(default=7_400_001, description="world seed of the training scenes")


def replay_scenes(params: ReplayParams) -> list[world.Scene]:
    objects = [
        world.scene_for(params.seed, i, "objects", text_prob=params.text_prob)
        for i in range(params.objects)
    ]
    people = [
        world.scene_for(params.seed, i, "people", text_prob=params.text_prob)
        for i in range(params.people)
    ]
    return objects + people


def render_pixels(scenes: Sequence[world.Scene]) -> torch.Tensor:
    return to_pixels([world.render(s) for s in scenes])


class CaptionBank:
    """Distinct captions, their frozen text embeddings, and an index lookup."""

    def __init__(self, model: Any, captions: Sequence[str]) -> None:
        self.captions = sorted(set(captions))
        self.lookup = {c: i for i, c in enumerate(self.captions)}
        self.embeddings = torch.from_numpy(model.text.encode(self.captions))

    def index(self, captions: Sequence[str]) -> torch.Tensor:
        return torch.tensor([self.lookup[c] for c in captions])


@contextmanager
def one_thread() -> Iterator[None]:
    """Small batches: extra threads only contend on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


class TunableTower:
    """A copy of the base tower whose last conv block and projection train; the earlier layers
    are frozen and their features computed once per image. Batch-norm statistics stay those of
    the base model (eval mode)."""

    def __init__(self, base: ImageTower) -> None:
        self.tower = copy.deepcopy(base)
        self.tower.eval()
        self.frozen, self.head = self.tower.features[:-1], self.tower.features[-1]

    def early(self, pixels: torch.Tensor, batch: int = 256) -> torch.Tensor:
        with torch.no_grad():
            parts = [
                self.frozen((pixels[i : i + batch] - MEAN) / STD)
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

    def embed(self, early: torch.Tensor) -> torch.Tensor:
        pooled = self.head(early).mean(dim=(2, 3))
        return nn.functional.normalize(self.tower.project(pooled), dim=-1)

    def done(self) -> ImageTower:
        for p in self.tower.parameters():
            p.requires_grad_(False)
        return self.tower


def info_nce(
    scale: float, embedding: torch.Tensor, bank: torch.Tensor, target: torch.Tensor
) -> torch.Tensor:
    """Image-to-text InfoNCE against every caption of the bank, as the organism was trained."""
    return nn.functional.cross_entropy(scale * embedding @ bank.T, target)


def load_tuned(model: Any, artifact: Path, card: Mapping[str, Any]) -> Any:
    """A shallow copy of the base model with the tuned tower in place (the base is untouched)."""
    from vlmtrust.models.zoo.clip import load_tower

    tuned = copy.copy(model)
    tuned.tower, tuned.scale = load_tower(artifact / TOWER_FILE)
    tuned.card = dict(card)
    return tuned


class TowerTrainer(Trainer):
    """The shape every replay trainer here shares: train on one thread (small batches only
    contend for a second core), save the tuned tower, load it back into a copy of the base."""

    requires: ClassVar[tuple[str, ...]] = ("Embedder", "Classifier")
    supported_models: ClassVar[tuple[str, ...]] = SUPPORTED

    def fit(self, model: Any, out: Path) -> Mapping[str, Any]:
        from vlmtrust.models.zoo.clip import save_clip

        with one_thread():
            tower, stats = self._train(model, self.params)
        save_clip(out / TOWER_FILE, tower, model.scale)
        return stats

    def _train(self, model: Any, params: Any) -> tuple[Any, dict[str, Any]]:
        raise NotImplementedError

    def load(self, model: Any, artifact: Path, card: Mapping[str, Any]) -> Any:
        return load_tuned(model, artifact, card)
