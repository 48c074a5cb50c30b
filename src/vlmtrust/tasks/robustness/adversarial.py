"""``robustness.adversarial``: robust zero-shot accuracy against PGD (or FGSM) at a list of
budgets, untargeted or targeted, through the model's ``Differentiable`` pixel path."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from vlmtrust.attacks.gradient import TARGET_LABEL
from vlmtrust.attacks.typographic import world_classes
from vlmtrust.core.spec import Spec
from vlmtrust.tasks.robustness.targeted import TargetedZeroShot
from vlmtrust.tasks.robustness.zero_shot import ZeroShot, ZeroShotParams


class AdversarialParams(ZeroShotParams):
    corruptions: tuple[str, ...] = Field(
        default=(), description="corruptions run beside the clean images and the attacks"
    )
    n: int = Field(default=100, ge=1, description="world scenes to attack when no --data is given")
    attack: Literal["pgd", "fgsm"] = Field(
        default="pgd", description="pgd, or fgsm (one step of size eps)"
    )
    budgets: tuple[float, ...] = Field(
        default=(1 / 255, 2 / 255, 4 / 255),
        min_length=1,
        description="eps of each attack condition (linf: per pixel in [0, 1]; l2: of the image)",
    )
    steps: int = Field(default=10, ge=1, description="PGD steps (FGSM: always 1)")
    norm: Literal["linf", "l2"] = Field(default="linf", description="the norm eps bounds")
    targeted: bool = Field(
        default=False,
        description="push each image to a seeded wrong class instead of away from its own",
    )
    transfer_from: str | None = Field(
        default=None, description="craft the attack on this model spec, score the scanned one"
    )


class Adversarial(TargetedZeroShot):
    Params = AdversarialParams
    params: AdversarialParams
    requires = ("Classifier", "Differentiable")
    selection_params = ZeroShot.selection_params | {
        "attack",
        "budgets",
        "steps",
        "norm",
        "targeted",
        "transfer_from",
    }
    target_key = TARGET_LABEL

    def conditions(self) -> list[Spec]:
        custom = tuple(self.params.classes or ()) != world_classes(self.params.label)
        shared: dict[str, Any] = {
            "norm": self.params.norm,
            "targeted": self.params.targeted,
            "label": self.params.label,
            "classes": list(self.params.classes or ()) if custom else [],
            "template": self.params.template,
        }
        if self.params.attack == "pgd":
            shared["steps"] = self.params.steps
        name: str = self.params.attack
        if self.params.transfer_from is not None:
            name, shared["source"] = "pgd_transfer", self.params.transfer_from
        attacks = []
        for eps in self.params.budgets:
            params = {**shared, "eps": eps}
            if name == "pgd_transfer" and self.params.attack == "fgsm":
                params |= {"steps": 1, "step_size": eps}  # FGSM: one PGD step of size eps
            attacks.append(Spec(name=name, params=params))
        return [*super().conditions(), *attacks]
