"""``adv_regularization``: the ``overfit`` fine-tune with a membership-inference adversary in the
loop (min-max regularization, Nasr, Shokri and Houmansadr 2018).

The review's adversarial-training route to privacy: instead of bounding every example's influence
(DP-SGD), the model is trained against the attack it should resist. Each epoch the adversary, a
small MLP over the membership statistic (the cosine of an image's embedding with its caption's,
the quantity ``privacy.membership`` thresholds), takes ``adversary_steps`` steps telling the
member set from a reference set of fresh scenes (the defender's own held-back data, never the
scan's non-members); then the head takes one step on ``cosine loss + lam x gain``, where gain is
the adversary's mean log-probability of "member" on the members. Same member set, head, epochs
and learning rate as ``overfit``, so the two differ only by the adversary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import torch
from pydantic import Field

from vlmtrust.core.spec import Params
from vlmtrust.mitigations.trainers.training.clip_head import (
    ClipFinetune,
    FinetuneParams,
    HeadData,
    MemberData,
    RowData,
    cosine_loss,
)

#: the reference set's seed: distinct from the member, held-out and scan non-member seeds
REFERENCE_SEED = 535_353


class AdvParams(FinetuneParams):
    lam: float = Field(default=0.5, ge=0, description="weight of the adversary's gain")
    adversary_steps: int = Field(default=1, ge=1, description="adversary steps per head step")
    adversary_lr: float = Field(default=1e-2, gt=0, description="adversary Adam learning rate")
    reference_seed: int = Field(default=REFERENCE_SEED, description="seed of the reference set")


def member_statistic(head: torch.nn.Module, data: HeadData) -> torch.Tensor:
    """The adversary's input: each scene's image-caption cosine, shape (n, 1)."""
    embedding = torch.nn.functional.normalize(head(data.features), dim=-1)
    return (embedding * data.targets).sum(dim=-1, keepdim=True)


class AdvRegularization(ClipFinetune):
    """Min-max fine-tune: the head minimises its loss plus the adversary's membership gain.
    On ``train_data`` the reference set is the rows not marked member."""

    Params: ClassVar[type[Params]] = AdvParams
    #: the rows marked false are its reference set
    needs: ClassVar[tuple[str, ...]] = ("member", "non-member")

    def reference(self, params: AdvParams) -> HeadData:
        """The defender's own non-members: fresh pool scenes, or the rows not marked member."""
        if params.train_data is None:
            return MemberData(self.base, self.pool_recipe, params.members, params.reference_seed)
        return RowData(self.base, self.other_rows)

    def train_head(self, head: torch.nn.Module, data: HeadData) -> Mapping[str, object]:
        params = self.params
        assert isinstance(params, AdvParams)
        reference = self.reference(params)
        adversary = torch.nn.Sequential(
            torch.nn.Linear(1, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1)
        )
        head_optimiser = torch.optim.Adam(head.parameters(), lr=params.lr)
        adversary_optimiser = torch.optim.Adam(adversary.parameters(), lr=params.adversary_lr)
        bce = torch.nn.functional.binary_cross_entropy_with_logits
        labels = torch.cat([torch.ones(len(data.features)), torch.zeros(len(reference.features))])
        adversary_loss = float("nan")
        for _ in range(params.epochs):
            with torch.no_grad():
                seen = torch.cat([member_statistic(head, data), member_statistic(head, reference)])
            for _ in range(params.adversary_steps):
                loss = bce(adversary(seen).squeeze(-1), labels)
                adversary_optimiser.zero_grad(set_to_none=True)
                loss.backward()  # type: ignore[no-untyped-call]
                adversary_optimiser.step()
                adversary_loss = float(loss.detach())
            gain = torch.nn.functional.logsigmoid(adversary(member_statistic(head, data))).mean()
            total = cosine_loss(head, data.features, data.targets) + params.lam * gain
            head_optimiser.zero_grad(set_to_none=True)
            total.backward()
            head_optimiser.step()
        return {
            "private": False,
            "lam": params.lam,
            "adversary_steps": params.adversary_steps,
            "reference_seed": params.reference_seed,
            # ln 2 = 0.693 is an adversary that cannot tell members from the reference set
            "adversary_final_loss": round(adversary_loss, 4),
        }
