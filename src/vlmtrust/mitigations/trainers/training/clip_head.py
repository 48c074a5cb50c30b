"""The projection-head fine-tune of ``zoo:clip`` shared by the membership trainers
(``overfit``, ``dp_finetune`` in ``trainers/membership_finetune.py``, ``adv_regularization``) and
by ``privacy.membership``'s LiRA shadow heads: ``ClipFinetune``, its member data and its loss.
A helper, not a plugin: the registered trainers subclass it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Protocol

import torch
from pydantic import Field

from vlmtrust.core.capabilities import block_tower, pooled_features
from vlmtrust.core.spec import Params
from vlmtrust.data.world.pool import PoolRecipe, draw_pool
from vlmtrust.mitigations.trainers.base import Trainer
from vlmtrust.models.base import training_pool

#: the member set's default seed: distinct from the organisms' training seeds and from
#: ``privacy.membership``'s non-member seed
MEMBER_SEED = 424_242
HELD_OUT_SEED = 777_001
HELD_OUT = 256


class FinetuneParams(Params):
    members: int = Field(default=128, ge=8, description="member scenes fine-tuned on")
    member_seed: int = Field(default=MEMBER_SEED, description="seed of the member scenes")
    epochs: int = Field(default=400, ge=1, description="passes over the member set")
    lr: float = Field(default=3e-3, gt=0, description="Adam learning rate")
    seed: int = 0


class HeadData(Protocol):
    """What a head fine-tune reads: frozen features, caption targets, the caption bank."""

    features: torch.Tensor
    targets: torch.Tensor
    bank: torch.Tensor
    caption_index: torch.Tensor


class MemberData:
    """Frozen features and caption embeddings of ``n`` scenes of seed ``seed`` drawn like the
    pool ``recipe`` (the model's own training pool), computed once."""

    def __init__(self, model: Any, recipe: PoolRecipe, n: int, seed: int) -> None:
        pool = draw_pool(recipe, n, seed)
        self.captions = [pool.captions[int(i)] for i in pool.caption_index]
        # the tower's pooled features, what the projection head reads
        tower = block_tower(model.module("image_tower"), "a projection-head fine-tune")
        with torch.no_grad():
            self.features = pooled_features(tower, pool.pixels.float().div(255.0))
        self.bank = model.text_targets(pool.captions)
        self.caption_index = pool.caption_index
        self.targets = self.bank[pool.caption_index]

    def subset(self, rows: torch.Tensor) -> MemberData:
        """The scenes at ``rows`` (a shadow model's random half of its pool)."""
        part = copy.copy(self)
        part.features, part.targets = self.features[rows], self.targets[rows]
        part.caption_index = self.caption_index[rows]
        part.captions = [self.captions[int(i)] for i in rows]
        return part


def cosine_loss(head: torch.nn.Module, features: torch.Tensor, targets: torch.Tensor) -> Any:
    embedding = torch.nn.functional.normalize(head(features), dim=-1)
    return (1 - (embedding * targets).sum(dim=-1)).mean()


def retrieval_accuracy(head: torch.nn.Module, data: HeadData) -> float:
    """Zero-shot accuracy: share of scenes whose own caption is the nearest of the set's
    distinct captions (the utility the fine-tune may cost)."""
    with torch.no_grad():
        embedding = torch.nn.functional.normalize(head(data.features), dim=-1)
        guess = (embedding @ data.bank.T).argmax(dim=-1)
    return float((guess == data.caption_index).float().mean())


class ClipFinetune(Trainer):
    """Tunes the projection, reading the image tower's pooled features; the member scenes are
    drawn like the model's own training pool (the recipe its kind records, a zoo organism's
    model card)."""

    Params: ClassVar[type[Params]] = FinetuneParams
    requires: ClassVar[tuple[str, ...]] = ("Embedder",)
    roles: ClassVar[tuple[str, ...]] = ("image_tower", "projection")
    #: 2: the delta is the tuned tower file (``tower.safetensors``, was ``clip.safetensors``)
    version: ClassVar[int] = 2

    def fit(self, model: Any, out: Path) -> Mapping[str, Any]:
        params = self.params
        assert isinstance(params, FinetuneParams)
        torch.manual_seed(params.seed)
        recipe = training_pool(model.handle.name)
        # what a subclass's train_head may need to draw more data (adv_regularization's
        # reference set)
        self.base, self.pool_recipe = model, recipe
        members = MemberData(model, recipe, params.members, params.member_seed)
        held_out = MemberData(model, recipe, HELD_OUT, HELD_OUT_SEED)
        head = copy.deepcopy(model.module("projection"))
        head.train()
        for p in head.parameters():
            p.requires_grad_(True)
        before = retrieval_accuracy(head, held_out)
        stats = dict(self.train_head(head, members))
        with torch.no_grad():
            final_loss = float(cosine_loss(head, members.features, members.targets))
        model.save_delta(out, {"projection": head})
        return {
            "members": params.members,
            "member_seed": params.member_seed,
            "final_loss": round(final_loss, 4),
            "member_accuracy": round(retrieval_accuracy(head, members), 4),
            "held_out_accuracy_before": round(before, 4),
            "held_out_accuracy_after": round(retrieval_accuracy(head, held_out), 4),
            "held_out": HELD_OUT,
            **stats,
        }

    def train_head(self, head: torch.nn.Linear, data: HeadData) -> Mapping[str, Any]:
        """Full-batch Adam until the member set is memorised."""
        params = self.params
        assert isinstance(params, FinetuneParams)
        optimiser = torch.optim.Adam(head.parameters(), lr=params.lr)
        for _ in range(params.epochs):
            loss = cosine_loss(head, data.features, data.targets)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
        return {"private": False}

    def load(self, model: Any, artifact: Path, card: Mapping[str, Any]) -> Any:
        tuned = super().load(model, artifact, card)
        # the public pre-trained model the fine-tune started from (the first of a chain of
        # fine-tunes): LiRA's shadow models start there too (privacy.membership)
        tuned.pretrained = getattr(model, "pretrained", model)
        return tuned
