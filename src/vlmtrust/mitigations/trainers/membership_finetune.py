"""Fine-tune ``zoo:clip``'s projection head on a small member set: ``overfit`` (plain, until it
memorises: the membership-inference target) and ``dp_finetune`` (the same with DP-SGD via Opacus).

Why a fine-tuned target: the shipped organism saw each of its 24,000 scenes a handful of times
and shows no membership signal (AUC about 0.5), so a membership scan on it says nothing about a
defence. Fine-tuning on ``members`` scenes for many epochs plants a real signal that
``privacy.membership:member_seed=SEED,n=MEMBERS`` measures; ``dp_finetune`` runs the identical
fine-tune with per-sample clipping and Gaussian noise and reports its (epsilon, delta).

Only the projection head trains, over the frozen tower's pooled features (a zoo CNN's, or a
CLIP's class token: its post-layernorm and projection), since Opacus can clip it per sample (the
BatchNorm layers of the zoo tower are not), and features are computed once, so a fine-tune takes
seconds. On a user's model the members are its ``train_data`` rows (see ``training/clip_head``).
The loss pulls each member image's embedding onto its caption's text embedding (1 - cosine),
the quantity the membership attack thresholds.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import torch
from pydantic import AliasChoices, Field

from vlmtrust.core.capabilities import block_tower
from vlmtrust.core.errors import CapabilityError
from vlmtrust.core.spec import Params
from vlmtrust.mitigations.trainers.training.clip_head import (
    ClipFinetune,
    FinetuneParams,
    HeadData,
    RowData,
    cosine_loss,
    retrieval_accuracy,
    split_members,
)
from vlmtrust.mitigations.trainers.training.tower_lora import EmbeddingOf, merge_lora, with_lora
from vlmtrust.mitigations.trainers.training.train_data import WORLD_KINDS
from vlmtrust.models.base import ModelHandle


class DpParams(FinetuneParams):
    epochs: int = Field(default=30, ge=1, description="passes over the member set")
    lr: float = Field(default=1e-3, gt=0, description="Adam learning rate")
    epsilon: float = Field(default=8.0, gt=0, description="target privacy budget")
    delta: float = Field(default=1e-5, gt=0, lt=1, description="target delta (< 1/members)")
    max_grad_norm: float = Field(default=1.0, gt=0, description="per-sample clipping bound")
    batch_size: int = Field(default=32, ge=1, description="expected (Poisson) batch size")
    train_data: str | None = Field(
        default=None,
        validation_alias=AliasChoices("train_data", "member_data"),
        description="the member set (and held-out rows, member=false), any --data layout with "
        "a caption column; member_data= is its former name",
    )
    lora_rank: int = Field(
        default=0,
        ge=0,
        description="0: DP-SGD on the projection; r > 0: on rank-r LoRA adapters of the "
        "vision transformer's attention, through the whole tower (hf: CLIP / SigLIP)",
    )
    lora_targets: tuple[str, ...] = Field(
        default=("q_proj", "v_proj"), description="the tower's linear layers given adapters"
    )


class Overfit(ClipFinetune):
    """The membership-inference target: plain fine-tuning that memorises its member set."""


class DpFinetune(ClipFinetune):
    """DP-SGD (Opacus): per-sample gradients clipped to ``max_grad_norm``, Gaussian noise with
    the multiplier that spends exactly ``epsilon`` at ``delta`` over ``epochs`` (RDP accountant),
    Poisson-sampled batches as the accounting assumes."""

    Params: ClassVar[type[Params]] = DpParams

    def check_model(self, handle: ModelHandle) -> None:
        super().check_model(handle)
        params = self.params
        assert isinstance(params, DpParams)
        if params.lora_rank and handle.kind in WORLD_KINDS:
            raise CapabilityError(
                f"dp_finetune:lora_rank adapts a vision transformer; {handle.name}'s tower is "
                "a CNN with batch norm, which DP-SGD cannot clip per sample",
                "drop lora_rank (DP-SGD on the projection), or scan an hf: CLIP / SigLIP",
            )

    def fit(self, model: Any, out: Path) -> Mapping[str, Any]:
        params = self.params
        assert isinstance(params, DpParams)
        if not params.lora_rank:
            return super().fit(model, out)
        torch.manual_seed(params.seed)
        member_rows, others = split_members(self.train_rows(), params.member_column)
        members = RowData(model, member_rows, pooled=False)
        held_out = RowData(model, others, pooled=False) if others else members
        base = model.module("image_tower")
        block_tower(base, "dp_finetune:lora_rank")  # a tower whose forward gives embeddings
        tower = with_lora(base, params.lora_rank, params.lora_targets, model.handle.name)
        embed = EmbeddingOf(tower)
        embed.train()
        before = retrieval_accuracy(embed, held_out)
        stats = dict(self.train_head(embed, members))
        tuned = merge_lora(tower)
        tuned.eval()
        after = retrieval_accuracy(EmbeddingOf(tuned), held_out)
        model.save_delta(out, {"image_tower": tuned})
        return {
            "members": len(member_rows),
            "train_data": params.train_data,
            "tuned": f"LoRA rank {params.lora_rank} on {', '.join(params.lora_targets)}",
            "trainable_parameters": stats.pop("trainable_parameters"),
            "member_accuracy": round(retrieval_accuracy(EmbeddingOf(tuned), members), 4),
            "held_out_accuracy_before": round(before, 4),
            "held_out_accuracy_after": round(after, 4),
            "held_out": len(others) or "none: the members",
            **stats,
        }

    def train_head(self, head: torch.nn.Module, data: HeadData) -> Mapping[str, Any]:
        import warnings

        from opacus import PrivacyEngine
        from torch.utils.data import DataLoader, TensorDataset

        params = self.params
        assert isinstance(params, DpParams)
        loader = DataLoader(
            TensorDataset(data.features, data.targets),
            batch_size=params.batch_size,
            generator=torch.Generator().manual_seed(params.seed),
        )
        trainable = [p for p in head.parameters() if p.requires_grad]
        optimiser = torch.optim.Adam(trainable, lr=params.lr)
        with warnings.catch_warnings():
            # Opacus warns that secure_mode is off (its noise is not cryptographically secure):
            # fine for a measurement, said in the card
            warnings.simplefilter("ignore")
            engine = PrivacyEngine(accountant="rdp")
            module, optimiser, loader = engine.make_private_with_epsilon(
                module=head,
                optimizer=optimiser,
                data_loader=loader,
                target_epsilon=params.epsilon,
                target_delta=params.delta,
                epochs=params.epochs,
                max_grad_norm=params.max_grad_norm,
            )
            for _ in range(params.epochs):
                for features, targets in loader:
                    if len(features) == 0:
                        continue
                    optimiser.zero_grad(set_to_none=True)
                    cosine_loss(module, features, targets).backward()
                    optimiser.step()
            spent = engine.get_epsilon(params.delta)
        return {
            "private": True,
            "epsilon": round(float(spent), 4),
            "delta": params.delta,
            "target_epsilon": params.epsilon,
            "noise_multiplier": round(float(optimiser.noise_multiplier), 4),
            "max_grad_norm": params.max_grad_norm,
            "sample_rate": round(min(1.0, params.batch_size / len(data.features)), 4),
            "accountant": "rdp",
            "secure_mode": False,
            "trainable_parameters": sum(p.numel() for p in trainable),
        }
