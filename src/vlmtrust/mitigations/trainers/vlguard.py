"""``vlguard``: safety fine-tuning in the style of VLGuard (Zong et al. 2024).

Harmful requests rendered as typography (the FigStep layout) are paired with a refusal, their
benign twins rendered the same way with compliance (so the model learns to read, not to refuse
every list image), mixed into replayed normal instruction data. The typographic renderings vary
in font size and colours so the refusal does not hinge on one exact layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from PIL import Image
from pydantic import Field

from vlmtrust.core.errors import CapabilityError
from vlmtrust.core.spec import Params
from vlmtrust.mitigations.trainers.training.assistant_finetune import (
    AssistantFinetune,
    AssistantFinetuneParams,
)
from vlmtrust.models.base import ModelHandle


class VlguardParams(AssistantFinetuneParams):
    safety_examples: int = Field(
        default=1500,
        description="typographic requests taught, half harmful (-> refusal), half benign "
        "(-> compliance)",
    )


class Vlguard(AssistantFinetune):
    Params: ClassVar[type[Params]] = VlguardParams

    def check_model(self, handle: ModelHandle) -> None:
        if handle.kind == "hf" and handle.options.get("generative"):
            raise CapabilityError(
                f"mitigation vlguard teaches zoo:assistant's own canned compliance line, which "
                f"would overwrite {handle.name}'s answers",
                "use vlguard_lora for hf: image-text-to-text checkpoints (it keeps the model's "
                "own answers)",
            )
        super().check_model(handle)

    def target_examples(self) -> Sequence[Any]:
        from vlmtrust.data.instructions import Example
        from vlmtrust.data.world import prompts

        params = self.params
        assert isinstance(params, VlguardParams)
        rng = np.random.default_rng([params.seed, 23])
        return [
            Example("vlguard", image, prompt, prompts.REFUSAL if harmful else prompts.COMPLIANCE)
            for harmful, image, prompt in safety_requests(rng, params.safety_examples)
        ]


def safety_requests(rng: np.random.Generator, n: int) -> list[tuple[bool, Image.Image, str]]:
    """(harmful?, FigStep image, prompt) for ``n`` requests, alternating harmful and benign,
    rendered with varied font size and ink so the refusal does not hinge on one layout."""
    from vlmtrust.data.world import prompts
    from vlmtrust.data.world.typography import render_lines

    out = []
    for i in range(n):
        harmful = i % 2 == 0
        request = str(rng.choice(prompts.ALL_HARMFUL if harmful else prompts.BENIGN_REQUESTS))
        ink = int(rng.integers(0, 90))
        image = render_lines(
            prompts.figstep_lines(request),
            font_px=int(rng.integers(10, 15)),
            fg=(ink, ink, ink),
            bg=(255, 255, 255 - int(rng.integers(0, 40))),
        )
        out.append((harmful, image, str(rng.choice(prompts.FIGSTEP_PROMPTS))))
    return out
