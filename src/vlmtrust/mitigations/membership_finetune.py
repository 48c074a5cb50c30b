"""Fine-tune ``zoo:clip``'s projection head on a small member set: ``overfit`` (plain, until it
memorises: the membership-inference target) and ``dp_finetune`` (the same with DP-SGD via Opacus).

Why a fine-tuned target: the shipped organism saw each of its 24,000 scenes a handful of times
and shows no membership signal (AUC about 0.5), so a membership scan on it says nothing about a
defence. Fine-tuning on ``members`` scenes for many epochs plants a real signal that
``privacy.membership:member_seed=SEED,n=MEMBERS`` measures; ``dp_finetune`` runs the identical
fine-tune with per-sample clipping and Gaussian noise and reports its (epsilon, delta).

Only the projection head (one ``Linear``) trains, over the frozen convolutional features: it is
what Opacus can clip per sample (the BatchNorm layers of the tower are not), and features are
computed once, so a fine-tune takes seconds. The loss pulls each member image's embedding onto
its caption's text embedding (1 - cosine), the quantity the membership attack thresholds.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Protocol

import torch
from pydantic import Field

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import Params
from vlmtrust.mitigations.trainer import Trainer
from vlmtrust.models.base import ModelHandle

CLIP_FILE = "clip.safetensors"
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


class DpParams(FinetuneParams):
    epochs: int = Field(default=30, ge=1, description="passes over the member set")
    lr: float = Field(default=1e-3, gt=0, description="Adam learning rate")
    epsilon: float = Field(default=8.0, gt=0, description="target privacy budget")
    delta: float = Field(default=1e-5, gt=0, lt=1, description="target delta (< 1/members)")
    max_grad_norm: float = Field(default=1.0, gt=0, description="per-sample clipping bound")
    batch_size: int = Field(default=32, ge=1, description="expected (Poisson) batch size")
    member_data: str | None = Field(
        default=None,
        description="hf: CLIPs only: the member set, an image folder with a caption column",
    )


class HeadData(Protocol):
    """What a head fine-tune reads: frozen features, caption targets, the caption bank."""

    features: torch.Tensor
    targets: torch.Tensor
    bank: torch.Tensor
    caption_index: torch.Tensor


class MemberData:
    """Frozen features and caption embeddings of a scene set, computed once."""

    def __init__(self, model: Any, organism: str, n: int, seed: int) -> None:
        from vlmtrust.models.zoo.clip_training import organism_pool
        from vlmtrust.models.zoo.tower import MEAN, STD

        pool = organism_pool(organism, n, seed)
        self.captions = [pool.captions[int(i)] for i in pool.caption_index]
        with torch.no_grad():
            pixels = pool.pixels.float().div(255.0)
            self.features = model.tower.features((pixels - MEAN) / STD).mean(dim=(2, 3))
        self.bank = torch.from_numpy(model.text.encode(pool.captions))
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
    Params: ClassVar[type[Params]] = FinetuneParams
    requires: ClassVar[tuple[str, ...]] = ("Embedder",)
    supported_models: ClassVar[tuple[str, ...]] = ("zoo:clip", "zoo:clip-fair")

    def fit(self, model: Any, out: Path) -> Mapping[str, Any]:
        from vlmtrust.models.zoo.clip import save_clip

        params = self.params
        assert isinstance(params, FinetuneParams)
        torch.manual_seed(params.seed)
        organism = model.handle.name.removeprefix("zoo:")
        # what a subclass's train_head may need to draw more data (adv_regularization's
        # reference set)
        self.base, self.organism = model, organism
        members = MemberData(model, organism, params.members, params.member_seed)
        held_out = MemberData(model, organism, HELD_OUT, HELD_OUT_SEED)
        head = copy.deepcopy(model.tower.project)
        head.train()
        for p in head.parameters():
            p.requires_grad_(True)
        before = retrieval_accuracy(head, held_out)
        stats = dict(self.train_head(head, members))
        with torch.no_grad():
            final_loss = float(cosine_loss(head, members.features, members.targets))
        tower = copy.deepcopy(model.tower)
        tower.project.load_state_dict(head.state_dict())
        save_clip(out / CLIP_FILE, tower, model.scale)
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
        from vlmtrust.models.zoo.clip import load_tower

        tuned = copy.copy(model)
        tuned.tower, tuned.scale = load_tower(artifact / CLIP_FILE)
        # the public pre-trained tower the fine-tune started from: LiRA's shadow models start
        # there too (privacy.membership)
        tuned.base_tower = getattr(model, "base_tower", model.tower)
        tuned.card = dict(card)
        return tuned


class Overfit(ClipFinetune):
    """The membership-inference target: plain fine-tuning that memorises its member set."""


class DpFinetune(ClipFinetune):
    """DP-SGD (Opacus): per-sample gradients clipped to ``max_grad_norm``, Gaussian noise with
    the multiplier that spends exactly ``epsilon`` at ``delta`` over ``epochs`` (RDP accountant),
    Poisson-sampled batches as the accounting assumes."""

    Params: ClassVar[type[Params]] = DpParams

    def check_model(self, handle: ModelHandle) -> None:
        from vlmtrust.mitigations import hf_projection

        params = self.params
        assert isinstance(params, DpParams)
        if hf_projection.is_hf_clip(handle):
            hf_projection.member_samples(params.member_data)  # fail before the run starts
            return
        super().check_model(handle)
        if params.member_data is not None:
            raise ConfigError(
                f"member_data is for hf: CLIPs; {handle.name}'s members are world scenes",
                "drop member_data and choose the scenes with members= and member_seed=",
            )

    def data_fingerprint(self) -> str:
        from vlmtrust.mitigations import hf_projection

        params = self.params
        assert isinstance(params, DpParams)
        return hf_projection.data_fingerprint(params.member_data) if params.member_data else ""

    def fit(self, model: Any, out: Path) -> Mapping[str, Any]:
        from vlmtrust.mitigations import hf_projection

        if not hf_projection.is_hf_clip(model.handle):
            return super().fit(model, out)
        params = self.params
        assert isinstance(params, DpParams)
        torch.manual_seed(params.seed)
        members = hf_projection.member_samples(params.member_data)
        data = hf_projection.HfMemberData(model, members)
        head = copy.deepcopy(hf_projection.projection(model))
        head.train()
        for p in head.parameters():
            p.requires_grad_(True)
        before = retrieval_accuracy(head, data)
        stats = dict(self.train_head(head, data))
        hf_projection.save_projection(out / hf_projection.PROJECTION_FILE, head)
        return {
            "members": len(members),
            "member_data": params.member_data,
            # a user model has no held-out generator: utility is retrieval on the member set
            "member_accuracy_before": round(before, 4),
            "member_accuracy": round(retrieval_accuracy(head, data), 4),
            **stats,
        }

    def load(self, model: Any, artifact: Path, card: Mapping[str, Any]) -> Any:
        from vlmtrust.mitigations import hf_projection

        if hf_projection.is_hf_clip(model.handle):
            return hf_projection.load_projection(model, artifact, card)
        return super().load(model, artifact, card)

    def train_head(self, head: torch.nn.Linear, data: HeadData) -> Mapping[str, Any]:
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
        optimiser = torch.optim.Adam(head.parameters(), lr=params.lr)
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
        }
