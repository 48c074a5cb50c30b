"""Typographic attack: a wrong class name written onto the image (Goh et al. 2021's "iPod" apple).

Works on any image. The word is drawn the way the world writes scene text (Pillow's bundled
font with basic layout, crisp bilevel glyphs, 16 px at 96 px) in the saturated ink that
contrasts most with the patch it covers, on the quietest patch of the image: world scenes never
put a word over an object, and a word over plain background is what a model learned to read.
By default it is written twice (in two places): once reads like a caption-free scene label and
fools zoo:clip about a third of the time; twice is a stronger, still plainly visible attack.
Which word: a fixed ``word``, or per sample a class other than the sample's true one, chosen
from its content hash, so every run attacks the same sample with the same word. The word is
recorded in the sample's labels (``typographic_word``) so tasks can tell "fooled" from "merely
wrong".
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydantic import Field

from vlmtrust.attacks.base import Attack, sample_rng
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Params

WORD_LABEL = "typographic_word"
_MARGIN = 2  # px kept free around the word's ink, as in the world


class TypographicParams(Params):
    label: str = Field(default="shape", description="the label whose class names are written")
    classes: tuple[str, ...] = Field(default=(), description="class names; default: the world's")
    word: str | None = Field(default=None, description="always write this word instead")
    font_px: int = Field(default=16, ge=4, description="font size at 96 px, scaled with the image")
    repeat: int = Field(default=2, ge=1, le=8, description="how many times the word is written")
    placement: Literal["quiet", "random"] = Field(
        default="quiet",
        description="quiet: on the most uniform patch (off the objects); random: anywhere",
    )
    seed: int = Field(
        default=0, description="seed of which wrong class is written and where, per sample"
    )


class Typographic(Attack):
    Params = TypographicParams
    params: TypographicParams

    def apply(self, sample: Sample) -> Sample:
        if sample.image is None:
            return sample
        rng = sample_rng(sample, self.params.seed)
        word = self.params.word or self._wrong_class(sample, rng)
        image = sample.load_image()
        px = max(6, round(self.params.font_px * min(image.size) / 96))
        font = _font(px)
        for _ in range(self.params.repeat):
            _write(image, word, font, self.params.placement, rng)
        attacked = sample.with_image(image)
        return attacked.model_copy(update={"labels": {**sample.labels, WORD_LABEL: word}})

    def _wrong_class(self, sample: Sample, rng: np.random.Generator) -> str:
        classes = self.params.classes or world_classes(self.params.label)
        truth = str(sample.labels.get(self.params.label, ""))
        wrong = [c for c in classes if c != truth]
        return wrong[int(rng.integers(len(wrong)))]


def _font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The world's font: bundled, basic layout, so glyphs match the zoo's training text."""
    font = ImageFont.load_default(size=px)
    if isinstance(font, ImageFont.FreeTypeFont):
        return font.font_variant(layout_engine=ImageFont.Layout.BASIC)
    return font  # pragma: no cover - Pillow without FreeType


def _write(
    image: Image.Image,
    word: str,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    placement: str,
    rng: np.random.Generator,
) -> None:
    """Draw ``word`` once onto ``image`` in place, its ink box inside the margins."""
    left, top, right, bottom = (int(v) for v in font.getbbox(word, mode="1"))
    box_w, box_h = right - left, bottom - top
    width, height = image.size
    pixels = np.asarray(image, dtype=float)
    x0s = np.arange(_MARGIN, max(_MARGIN, width - _MARGIN - box_w) + 1)
    y0s = np.arange(_MARGIN, max(_MARGIN, height - _MARGIN - box_h) + 1)
    if placement == "quiet":
        spread = _patch_spread(pixels, box_w, box_h)[np.ix_(y0s, x0s)]
        spread = spread + rng.uniform(0, 1e-6, spread.shape)  # seeded tie-break
        iy, ix = np.unravel_index(int(np.argmin(spread)), spread.shape)
        bx, by = int(x0s[ix]), int(y0s[iy])
    else:
        bx, by = int(rng.choice(x0s)), int(rng.choice(y0s))
    patch = pixels[by : by + box_h, bx : bx + box_w].reshape(-1, 3)
    ink = _contrasting_ink(patch.mean(axis=0) if patch.size else np.zeros(3))
    draw = ImageDraw.Draw(image)
    draw.fontmode = "1"  # crisp glyphs in exactly the ink, like the world's
    draw.text((bx - left, by - top), word, fill=ink, font=font)


def _patch_spread(pixels: np.ndarray, box_w: int, box_h: int) -> np.ndarray:
    """Summed per-channel variance of every ``box_w`` x ``box_h`` patch, indexed by its top-left
    corner (integral images: one pass, whatever the number of candidate positions)."""
    height, width = pixels.shape[:2]
    box_w, box_h = max(1, min(box_w, width)), max(1, min(box_h, height))

    def box_sums(values: np.ndarray) -> np.ndarray:
        table = np.zeros((height + 1, width + 1, values.shape[2]))
        table[1:, 1:] = values.cumsum(0).cumsum(1)
        return (
            table[box_h:, box_w:]
            - table[:-box_h, box_w:]
            - table[box_h:, :-box_w]
            + table[:-box_h, :-box_w]
        )

    count = box_w * box_h
    mean = box_sums(pixels) / count
    variance = box_sums(pixels**2) / count - mean**2
    spread = np.full((height, width), np.inf)
    spread[: height - box_h + 1, : width - box_w + 1] = variance.sum(axis=2)
    return spread


#: the world's saturated inks; the one farthest from the covered patch wins
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
    from vlmtrust.data import world

    return {"shape": world.SHAPES, "colour": world.COLOURS}.get(label, world.SHAPES)
