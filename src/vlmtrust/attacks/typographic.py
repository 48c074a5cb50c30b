"""Typographic attack: a wrong class name written onto the image (Goh et al. 2021's "iPod" apple).

Works on any image: the word is drawn in Pillow's bundled font, in the saturated ink that
contrasts most with the patch it covers, at a seeded position. Which word: a fixed ``word``, or
per sample a class other than the sample's true one, chosen from its content hash, so every
run attacks the same sample with the same word. The word is recorded in the sample's labels
(``typographic_word``) so tasks can tell "fooled" from "merely wrong".
"""

from __future__ import annotations

import numpy as np
from PIL import ImageDraw, ImageFont
from pydantic import Field

from vlmtrust.attacks.base import Attack
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Params

WORD_LABEL = "typographic_word"


class TypographicParams(Params):
    label: str = Field(default="shape", description="the label whose class names are written")
    classes: tuple[str, ...] = Field(default=(), description="class names; default: the world's")
    word: str | None = Field(default=None, description="always write this word instead")
    font_px: int = Field(default=16, ge=4, description="font size at 96 px, scaled with the image")
    seed: int = 0


class Typographic(Attack):
    Params = TypographicParams
    params: TypographicParams

    def apply(self, sample: Sample) -> Sample:
        if sample.image is None:
            return sample
        rng = np.random.default_rng([self.params.seed, int(sample.content_hash()[:15], 16)])
        word = self.params.word or self._wrong_class(sample, rng)
        image = sample.load_image()
        width, height = image.size
        px = max(6, round(self.params.font_px * min(width, height) / 96))
        font = ImageFont.load_default(size=px)
        left, top, right, bottom = (int(v) for v in font.getbbox(word))
        x = int(rng.integers(0, max(1, width - right - 2))) + 1 - left
        y = int(rng.integers(0, max(1, height - bottom - 2))) + 1 - top
        patch = np.asarray(image.crop((x + left, y + top, x + right, y + bottom)), dtype=float)
        ink = _contrasting_ink(patch.reshape(-1, 3).mean(axis=0) if patch.size else np.zeros(3))
        draw = ImageDraw.Draw(image)
        draw.fontmode = "1"
        draw.text((x, y), word, fill=ink, font=font)
        attacked = sample.with_image(image)
        return attacked.model_copy(update={"labels": {**sample.labels, WORD_LABEL: word}})

    def _wrong_class(self, sample: Sample, rng: np.random.Generator) -> str:
        classes = self.params.classes or world_classes(self.params.label)
        truth = str(sample.labels.get(self.params.label, ""))
        wrong = [c for c in classes if c != truth]
        return wrong[int(rng.integers(len(wrong)))]


#: saturated inks, like the words in world scenes; the one farthest from the covered patch wins
_INKS = np.array(
    [
        (220, 30, 30),
        (40, 160, 50),
        (30, 70, 220),
        (250, 215, 30),
        (140, 50, 180),
        (245, 135, 20),
        (255, 255, 255),
        (0, 0, 0),
    ],
    dtype=float,
)


def _contrasting_ink(background: np.ndarray) -> tuple[int, int, int]:
    best = _INKS[int(np.argmax(((_INKS - background) ** 2).sum(axis=1)))]
    return (int(best[0]), int(best[1]), int(best[2]))


def world_classes(label: str) -> tuple[str, ...]:
    """The world's class names for ``label`` (shapes for anything else)."""
    from vlmtrust.zoo import world

    return {"shape": world.SHAPES, "colour": world.COLOURS}.get(label, world.SHAPES)
