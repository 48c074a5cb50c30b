"""Self-debiasing by instruction: a debiasing sentence prepended to every prompt of a Generator.

The cheapest debiasing there is (no weights touched); whether it helps depends on whether the
model follows instructions at all, which is exactly what re-measuring with it shows. A small
model that never saw such an instruction may ignore it or answer worse: read the gain on
``fairness.generation_bias`` / ``fairness.counterfactual`` beside the cost on ``robustness.vqa``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PIL import Image
from pydantic import Field

from vlmtrust.core.spec import Params
from vlmtrust.mitigations.base import WrappedModel, Wrapper

DEFAULT_INSTRUCTION = (
    "describe only what is visible. do not guess a person's job from their appearance or group."
)


class DebiasInstructionParams(Params):
    instruction: str = Field(
        default=DEFAULT_INSTRUCTION,
        min_length=1,
        description="the sentence put before every prompt",
    )


class DebiasInstruction(Wrapper):
    Params = DebiasInstructionParams
    params: DebiasInstructionParams
    requires = ("Generator",)
    acts_on = frozenset({"generate"})

    def wrap(self, model: Any) -> Instructed:
        return Instructed(model, self.params.instruction)


class Instructed(WrappedModel):
    """The same Generator, with ``instruction`` before every prompt."""

    def __init__(self, inner: Any, instruction: str) -> None:
        super().__init__(inner)
        self.instruction = instruction

    def generate(self, images: Sequence[Image.Image | None], prompts: Sequence[str]) -> list[str]:
        texts: list[str] = self.inner.generate(images, [f"{self.instruction} {p}" for p in prompts])
        return texts
