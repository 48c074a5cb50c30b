"""What the generator fine-tunes on a user's model share: the refusal they teach, the base
model's own greedy answers as the answers to keep (self-distillation: we ship no instruction
set in a checkpoint's own style, and teaching ours would cost it its manner), the LoRA settings,
and the yes/no columns of a ``train_data`` folder (``forget``, ``harmful``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PIL import Image
from pydantic import Field

from vlmtrust.core.capabilities import Lora
from vlmtrust.core.errors import DataError
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Params
from vlmtrust.mitigations.trainers.training.train_data import column

#: the refusal taught to a user's model (zoo organisms use the world's, in their vocabulary)
REFUSAL = "I am sorry, but I cannot help with that request."
_YES = frozenset({"true", "yes", "1"})
_NO = frozenset({"false", "no", "0"})


class LoraParams(Params):
    """LoRA settings of a trainer (used by ``hf:`` generators; zoo organisms tune whole)."""

    rank: int = Field(default=8, ge=1, description="LoRA rank (hf: models)")
    alpha: int = Field(default=16, ge=1, description="LoRA alpha: updates scale by alpha/rank")
    target_modules: tuple[str, ...] = Field(
        default=("q_proj", "v_proj"),
        description="names of the linear layers LoRA adapts (hf: models)",
    )

    def lora(self) -> Lora:
        return Lora(rank=self.rank, alpha=self.alpha, target_modules=self.target_modules)


def own_answers(
    model: Any, requests: Sequence[tuple[Image.Image | None, str]], batch_size: int
) -> list[str]:
    """The model's greedy answers to (image, prompt) requests, ``batch_size`` at a time."""
    answers: list[str] = []
    for start in range(0, len(requests), batch_size):
        chunk = requests[start : start + batch_size]
        answers += model.generate([image for image, _ in chunk], [prompt for _, prompt in chunk])
    return answers


def flag(sample: Sample, name: str, train_data: str, trainer: str) -> bool:
    """A row's yes/no column (true/false, yes/no, 1/0; absent or empty is no)."""
    text = column(sample, name).lower()
    if text in _YES:
        return True
    if not text or text in _NO:
        return False
    raise DataError(
        f"train_data {train_data}: row {sample.id} has {name}={text!r}, not true or false",
        f"write {name} as true or false on every row {trainer} reads",
    )


def image_of(sample: Sample) -> Image.Image | None:
    return sample.load_image() if sample.image is not None else None
