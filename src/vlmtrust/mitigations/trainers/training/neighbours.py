"""The calibration (neighbourhood-preservation) loss shared by the embedding debiasers
(``dear``, ``disentangle_vae``, ``disentangle_adversarial``).

Why: a debiaser is paid to move group information out of an embedding, and its CLIP loss only
pins each embedding to its own caption; nothing stops two scenes that were semantically close
(same shape, same job, same background) from drifting apart, which is what a retrieval user
notices. The review's "calibration loss" keeps each embedding's semantic neighbours together:
here, per batch, the softmax over each row's ``k`` nearest neighbours *before* the transform
(the frozen embeddings) is the target of the softmax over the same batch *after* it
(KL(before || after)), so the transformed space ranks each row's old neighbours as it did.
"""

from __future__ import annotations

import torch
from pydantic import Field

from vlmtrust.core.spec import Params


class NeighbourParams(Params):
    """The term's settings, mixed into each debiaser's params."""

    neighbour_weight: float = Field(
        default=0.0,
        ge=0.0,
        description="weight of the neighbourhood-preservation (calibration) loss: KL between "
        "each embedding's softmax over its k nearest neighbours before and its softmax over "
        "the batch after the transform (0 = off)",
    )
    neighbour_k: int = Field(default=10, ge=1, description="nearest neighbours kept per row")
    neighbour_temperature: float = Field(
        default=0.05, gt=0.0, description="softmax temperature of the cosine similarities"
    )


def neighbour_loss(
    before: torch.Tensor, after: torch.Tensor, k: int, temperature: float
) -> torch.Tensor:
    """KL(P || Q) averaged over rows: P the softmax of each row's cosine similarities to its
    ``k`` nearest other rows in ``before`` (the rest get no mass), Q the softmax of its
    similarities to every other row in ``after``. Both inputs are unit rows of one batch."""
    n = before.shape[0]
    k = min(k, n - 1)
    if k < 1:
        return after.sum() * 0.0
    self_mask = torch.eye(n, dtype=torch.bool, device=before.device)
    with torch.no_grad():
        similar = (before @ before.T).masked_fill(self_mask, float("-inf"))
        top = similar.topk(k, dim=1)
        target = torch.zeros_like(similar)
        target.scatter_(1, top.indices, (top.values / temperature).softmax(dim=1))
    logits = (after @ after.T / temperature).masked_fill(self_mask, float("-inf"))
    log_q = logits.log_softmax(dim=1).masked_fill(self_mask, 0.0)
    kept = target > 0
    terms = target[kept] * (target[kept].log() - log_q[kept])
    return terms.sum() / n


def knn_overlap(before: torch.Tensor, after: torch.Tensor, k: int) -> float:
    """Mean share of each row's ``k`` nearest neighbours (cosine, unit rows) in ``before`` that
    are still among its ``k`` nearest in ``after``: 1.0 when the transform kept every
    neighbourhood, about k / n for an unrelated one."""
    n = before.shape[0]
    k = min(k, n - 1)
    mask = torch.eye(n, dtype=torch.bool)
    with torch.no_grad():
        old = (before @ before.T).masked_fill(mask, float("-inf")).topk(k, dim=1).indices
        new = (after @ after.T).masked_fill(mask, float("-inf")).topk(k, dim=1).indices
        hits = (old.unsqueeze(2) == new.unsqueeze(1)).any(dim=2).float()
    return float(hits.mean())
