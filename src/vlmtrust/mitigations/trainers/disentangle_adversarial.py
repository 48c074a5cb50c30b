"""``disentangle_adversarial``: a deterministic autoencoder on frozen image embeddings whose
latent is split into a group code z_g and a content code z_c, trained GAN-style: a
discriminator learns to read the group from z_c, the encoder learns to fool it (cross-entropy to
the uniform guess, as ``dear``'s adversary); the wrapped model neutralises z_g
(``training.disentangle``).

Why beside the VAE: it needs no twin pairs (the published recipe of adversarial disentangling,
e.g. Edwards & Storkey 2016's adversarial representations), so it is what a user's rows get at
full strength; ``twin_weight`` (off by default) adds the VAE's twin term for comparison.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from pydantic import Field
from torch import nn

from vlmtrust.core.spec import Params
from vlmtrust.mitigations.trainers.disentangle_vae import swap_reconstruction
from vlmtrust.mitigations.trainers.training.disentangle import (
    Batches,
    DisentangleParams,
    Disentangler,
    GroupSplit,
    kept_meaning,
)


class DisentangleAdversarialParams(DisentangleParams):
    adversary_weight: float = Field(
        default=1.0,
        ge=0.0,
        description="weight of the discriminator's confidence on z_c (CE to the uniform guess)",
    )
    adversary_steps: int = Field(default=2, ge=1, description="discriminator steps per step")
    twin_weight: float = Field(
        default=0.0,
        ge=0.0,
        description="weight of the VAE's swap reconstruction on twin pairs (0 = adversary alone)",
    )


class DisentangleAdversarial(Disentangler):
    Params: ClassVar[type[Params]] = DisentangleAdversarialParams

    def train_split(self, split: GroupSplit, batches: Batches) -> dict[str, float]:
        params = self.params
        assert isinstance(params, DisentangleAdversarialParams)
        groups = len(batches.data.groups)
        head = nn.Linear(params.group_dims, groups)
        discriminator = nn.Sequential(
            nn.Linear(params.content_dims, 64), nn.ReLU(), nn.Linear(64, groups)
        )
        optimiser = torch.optim.Adam([*split.parameters(), *head.parameters()], params.lr)
        critic = torch.optim.Adam(discriminator.parameters(), params.lr * 2)
        values: dict[str, float] = {}
        for _ in range(params.steps):
            who = batches.people_rows(params.batch_size)
            target = batches.data.group[who]
            for _ in range(params.adversary_steps):
                with torch.no_grad():
                    content = split.encode(batches.embeddings[who])[0][:, split.group_dims :]
                read = nn.functional.cross_entropy(discriminator(content), target)
                critic.zero_grad()
                read.backward()  # type: ignore[no-untyped-call]
                critic.step()
            rows = batches.rows(params.batch_size)
            embeddings = batches.embeddings[rows]
            mean, _ = split.encode(embeddings)
            decoded = split.decode(mean[:, : split.group_dims], mean[:, split.group_dims :])
            recon = (decoded - embeddings).pow(2).sum(-1).mean()
            codes = split.encode(batches.embeddings[who])[0]
            group = nn.functional.cross_entropy(head(codes[:, : split.group_dims]), target)
            confusion = -discriminator(codes[:, split.group_dims :]).log_softmax(-1).mean()
            loss = (
                params.recon_weight * recon
                + params.group_weight * group
                + params.adversary_weight * confusion
                + kept_meaning(split, batches, rows, params)
            )
            if params.twin_weight > 0:
                loss = loss + params.twin_weight * swap_reconstruction(split, batches, who)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            values = {
                "recon": float(recon.detach()),
                "group": float(group.detach()),
                "discriminator": float(read.detach()),
            }
        # ln 2 = 0.693 for two groups: a discriminator reduced to chance
        return {f"final_{k}_loss": round(v, 4) for k, v in values.items()}
