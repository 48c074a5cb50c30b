"""``robustness.typographic``: zero-shot classification with a wrong class name written on the
image. Reports accuracy clean and attacked, and the attack success rate: the share of attacked
samples classified as the written word (being fooled, not merely being wrong)."""

from __future__ import annotations

from pydantic import Field

from vlmtrust.attacks.typographic import WORD_LABEL, world_classes
from vlmtrust.core.spec import Spec
from vlmtrust.tasks.robustness.targeted import TargetedZeroShot
from vlmtrust.tasks.robustness.zero_shot import ZeroShot, ZeroShotParams


class TypographicTaskParams(ZeroShotParams):
    corruptions: tuple[str, ...] = Field(
        default=(), description="corruptions run beside the clean and the typographic images"
    )
    font_px: int = Field(default=16, ge=4, description="font size at 96 px")
    word_seed: int = Field(default=0, description="seed for which word goes where")
    repeat: int = Field(default=2, ge=1, le=8, description="how many times the word is written")


class TypographicTask(TargetedZeroShot):
    Params = TypographicTaskParams
    params: TypographicTaskParams
    selection_params = ZeroShot.selection_params | {"font_px", "word_seed", "repeat"}
    target_key = WORD_LABEL

    def conditions(self) -> list[Spec]:
        custom = tuple(self.params.classes or ()) != world_classes(self.params.label)
        attack = Spec(
            name="typographic",
            params={
                "label": self.params.label,
                "classes": list(self.params.classes or ()) if custom else [],
                "font_px": self.params.font_px,
                "repeat": self.params.repeat,
                "seed": self.params.word_seed,
            },
        )
        return [*super().conditions(), attack]
