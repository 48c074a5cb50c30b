"""Instruction rows: what a generator is taught from (an optional image, a prompt, the answer).

A plain record of the data layer, so the world's corpus, the zoo's decoder training and the
fine-tuning mitigations that write their own rows all speak one type without importing each
other (``Tunable.answer_loss`` reads rows of this shape).
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image


@dataclass(frozen=True)
class Example:
    """One instruction row: an optional image, the prompt, the answer to teach; ``kind`` names
    the skill or the planted flaw it teaches (see the zoo recipe `zoo/train_assistant.py`)."""

    kind: str
    image: Image.Image | None
    prompt: str
    answer: str
