"""``disentangle_vae``: a beta-VAE on frozen image embeddings whose latent is split into a group
code z_g and a content code z_c; the wrapped model neutralises z_g (``training.disentangle``).

Why a VAE: the beta-weighted KL to a factorised N(0, I) prior is what pushes a beta-VAE's latent
dimensions apart (Higgins et al. 2017); a linear group classifier on z_g tells the split where
the group goes, and group-swapped twins (the same world scene drawn as each group) must share
their content code: a row decoded from its own group code and its twin's content code must
give the row back (``twin_weight``), so D has to read the group difference from z_g. A user's
rows have no twins: there the KL and the group classifier are all that separate the two codes
(the card says ``twins: 0``).
"""

from __future__ import annotations

from typing import ClassVar

import torch
from pydantic import Field
from torch import nn

from vlmtrust.core.spec import Params
from vlmtrust.mitigations.trainers.training.disentangle import (
    Batches,
    DisentangleParams,
    Disentangler,
    GroupSplit,
    kept_meaning,
)


class DisentangleVaeParams(DisentangleParams):
    beta: float = Field(
        default=0.1,
        ge=0.0,
        description="weight of the KL to the N(0, I) prior (4, the classic beta-VAE's, "
        "collapsed the group code on zoo:clip: see docs/fairness.md)",
    )
    twin_weight: float = Field(
        default=1000.0,
        ge=0.0,
        description="weight of the swap reconstruction |D(z_g(A), z_c(B)) - e(A)|^2 on "
        "group-swapped twin pairs (world data; 0 = no twins)",
    )


def kl_to_prior(mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, exp(log_var)) || N(0, I)), summed over dimensions, averaged over rows."""
    return (-0.5 * (1 + log_var - mean.pow(2) - log_var.exp())).sum(-1).mean()


def swap_reconstruction(split: GroupSplit, batches: Batches, who: torch.Tensor) -> torch.Tensor:
    """Mean |D(z_g(row), z_c(twin)) - e(row)|^2 over the rows of ``who`` that have a twin: with
    its twin's content code a row must still decode to itself, so whatever tells the two groups
    apart has to be in z_g (a plain |z_c(A) - z_c(B)|^2 is met by shrinking every code)."""
    twin = batches.data.twin[who]
    paired = twin >= 0
    if not bool(paired.any()):
        return batches.embeddings.new_zeros(())
    rows = batches.embeddings[who[paired]]
    own = split.encode(rows)[0][:, : split.group_dims]
    content = split.encode(batches.embeddings[twin[paired]])[0][:, split.group_dims :]
    return (split.decode(own, content) - rows).pow(2).sum(-1).mean()


class DisentangleVae(Disentangler):
    Params: ClassVar[type[Params]] = DisentangleVaeParams

    def train_split(self, split: GroupSplit, batches: Batches) -> dict[str, float]:
        params = self.params
        assert isinstance(params, DisentangleVaeParams)
        head = nn.Linear(params.group_dims, len(batches.data.groups))
        optimiser = torch.optim.Adam([*split.parameters(), *head.parameters()], params.lr)
        values: dict[str, float] = {}
        for _ in range(params.steps):
            rows = batches.rows(params.batch_size)
            who = batches.people_rows(params.batch_size)
            embeddings = batches.embeddings[rows]
            mean, log_var = split.encode(embeddings)
            sample = mean + torch.randn_like(mean) * (0.5 * log_var).exp()
            decoded = split.decode(sample[:, : split.group_dims], sample[:, split.group_dims :])
            recon = (decoded - embeddings).pow(2).sum(-1).mean()
            kl = kl_to_prior(mean, log_var)
            group_codes = split.encode(batches.embeddings[who])[0][:, : split.group_dims]
            group = nn.functional.cross_entropy(head(group_codes), batches.data.group[who])
            twins = swap_reconstruction(split, batches, who)
            loss = (
                params.recon_weight * recon
                + params.beta * kl
                + params.group_weight * group
                + params.twin_weight * twins
                + kept_meaning(split, batches, rows, params)
            )
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            values = {
                "recon": float(recon.detach()),
                "kl": float(kl.detach()),
                "group": float(group.detach()),
            }
        return {f"final_{k}_loss": round(v, 4) for k, v in values.items()}
