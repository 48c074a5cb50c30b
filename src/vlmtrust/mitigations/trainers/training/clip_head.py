"""The projection-head fine-tune shared by the membership trainers (``overfit``,
``dp_finetune`` in ``trainers/membership_finetune.py``, ``adv_regularization``) and by
``privacy.membership``'s LiRA shadow heads: ``ClipFinetune``, its member data and its loss.
A helper, not a plugin: the registered trainers subclass it.

A zoo organism's members are scenes drawn like its own training pool; any other dual encoder's
are the user's ``train_data`` rows (an image and a caption each): those whose ``member_column``
is true (every row when no row has the column); the others are its held-out set, on which the
card reports retrieval accuracy before and after (``adv_regularization``'s reference set too).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Protocol

import torch
from pydantic import Field

from vlmtrust.core.capabilities import block_tower, pooled_features
from vlmtrust.core.errors import DataError
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Params
from vlmtrust.data.world.pool import PoolRecipe, draw_pool
from vlmtrust.mitigations.trainers.base import Trainer
from vlmtrust.mitigations.trainers.training.train_data import TrainDataParams, column
from vlmtrust.models.base import ModelHandle, training_pool

#: the member set's default seed: distinct from the organisms' training seeds and from
#: ``privacy.membership``'s non-member seed
MEMBER_SEED = 424_242
HELD_OUT_SEED = 777_001
HELD_OUT = 256


class FinetuneParams(TrainDataParams):
    member_column: str = Field(
        default="member", description="train_data: the column marking member rows (true/false)"
    )
    members: int = Field(default=128, ge=8, description="member scenes fine-tuned on")
    member_seed: int = Field(default=MEMBER_SEED, description="seed of the member scenes")
    epochs: int = Field(default=400, ge=1, description="passes over the member set")
    lr: float = Field(default=3e-3, gt=0, description="Adam learning rate")
    seed: int = Field(default=0, description="torch seed of the fine-tune")


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


class RowData:
    """Frozen features and caption embeddings of the user's rows, computed once (in chunks);
    with ``pooled=False`` the features are the rows' pixels (for a fine-tune that reaches
    inside the tower)."""

    def __init__(
        self, model: Any, rows: Sequence[Sample], chunk: int = 64, pooled: bool = True
    ) -> None:
        self.captions = [column(row, "caption") for row in rows]
        distinct = sorted(set(self.captions))
        tower = block_tower(model.module("image_tower"), "a projection-head fine-tune")
        parts = []
        with torch.no_grad():
            for i in range(0, len(rows), chunk):
                pixels = model.to_pixels([row.load_image() for row in rows[i : i + chunk]])
                parts.append(pooled_features(tower, pixels) if pooled else pixels)
        self.features = torch.cat(parts)
        self.bank = model.text_targets(distinct)
        self.caption_index = torch.tensor([distinct.index(c) for c in self.captions])
        self.targets = self.bank[self.caption_index]


def is_member(row: Sample, member_column: str) -> bool:
    return column(row, member_column).lower() in ("true", "1", "yes")


def split_members(rows: Sequence[Sample], member_column: str) -> tuple[list[Sample], list[Sample]]:
    """(members, others): rows marked member, or every row when none has the column."""
    if not any(column(row, member_column) for row in rows):
        return list(rows), []
    members = [row for row in rows if is_member(row, member_column)]
    return members, [row for row in rows if not is_member(row, member_column)]


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

    #: the parts of ``train_data`` a fine-tune needs at least two rows of: the members
    #: (rows marked true), and for ``adv_regularization`` the reference set (marked false)
    needs: ClassVar[tuple[str, ...]] = ("member",)

    def check_model(self, handle: ModelHandle) -> None:
        super().check_model(handle)
        params = self.params
        assert isinstance(params, FinetuneParams)
        if params.train_data is None:
            return
        members, others = split_members(self.train_rows(), params.member_column)
        for part, rows, mark in (("member", members, "true"), ("non-member", others, "false")):
            if part in self.needs and len(rows) < 2:
                raise DataError(
                    f"{self.spec.name} needs at least 2 {part} rows in train_data "
                    f"{params.train_data}, found {len(rows)}",
                    f"mark {part} rows {mark} in column {params.member_column!r}",
                )

    def fit(self, model: Any, out: Path) -> Mapping[str, Any]:
        params = self.params
        assert isinstance(params, FinetuneParams)
        torch.manual_seed(params.seed)
        # what a subclass's train_head may need to draw more data (adv_regularization's
        # reference set)
        self.base = model
        if params.train_data is None:
            self.pool_recipe = training_pool(model.handle.name)
            members: HeadData = MemberData(
                model, self.pool_recipe, params.members, params.member_seed
            )
            held_out: HeadData = MemberData(model, self.pool_recipe, HELD_OUT, HELD_OUT_SEED)
            sizes: dict[str, Any] = {"members": params.members, "member_seed": params.member_seed}
        else:
            member_rows, self.other_rows = split_members(self.train_rows(), params.member_column)
            members = RowData(model, member_rows)
            # no other rows: utility is retrieval on the member set itself (said on the card)
            held_out = RowData(model, self.other_rows) if self.other_rows else members
            sizes = {"members": len(member_rows), "train_data": params.train_data}
            sizes["held_out"] = len(self.other_rows) or "none: the members"
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
            **sizes,
            "final_loss": round(final_loss, 4),
            "member_accuracy": round(retrieval_accuracy(head, members), 4),
            "held_out_accuracy_before": round(before, 4),
            "held_out_accuracy_after": round(retrieval_accuracy(head, held_out), 4),
            "held_out": sizes.get("held_out", HELD_OUT),
            **stats,
        }

    def train_head(self, head: torch.nn.Module, data: HeadData) -> Mapping[str, Any]:
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
