"""Distinct synthetic photos and planted near-duplicates of some of them (resized, re-encoded
as JPEG, cropped 1-3% a side, brightened or darkened): the fixture for image dedup's recall and
precision (tests/sanitize, bench/dedup_scaling.py)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance

EDITS = ("resize", "jpeg", "crop", "brightness")


@dataclass
class PlantedImages:
    images: list[Image.Image] = field(default_factory=list)
    #: (copy index, source index, edit name)
    planted: list[tuple[int, int, str]] = field(default_factory=list)


def photo(rng: np.random.Generator, size: int = 192) -> Image.Image:
    """A smooth random colour field with a few shapes: a distinct scene per draw."""
    cells = rng.integers(0, 256, (5, 5, 3), dtype=np.uint8)
    image = Image.fromarray(cells).resize((size, size), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(2, 5))):
        x, y = (int(v) for v in rng.integers(0, size - 40, 2))
        w, h = (int(v) for v in rng.integers(20, 80, 2))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse((x, y, x + w, y + h), fill=colour)
        else:
            draw.rectangle((x, y, x + w, y + h), fill=colour)
    return image


def edited(image: Image.Image, edit: str, rng: np.random.Generator) -> Image.Image:
    if edit == "resize":
        scale = float(rng.uniform(0.4, 0.8))
        side = (int(image.width * scale), int(image.height * scale))
        return image.resize(side, Image.Resampling.LANCZOS)
    if edit == "jpeg":
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=int(rng.integers(20, 60)))
        return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    if edit == "crop":
        cut = float(rng.uniform(0.01, 0.03))  # per side; pHash drifts past 6 bits near 4%
        dx, dy = int(image.width * cut), int(image.height * cut)
        return image.crop((dx, dy, image.width - dx, image.height - dy))
    if edit == "brightness":
        return ImageEnhance.Brightness(image).enhance(float(rng.choice([0.75, 0.85, 1.15, 1.3])))
    raise ValueError(edit)


def planted_images(n: int, seed: int = 0, dup_share: float = 0.2) -> PlantedImages:
    """``n`` images; each after the first is, with probability ``dup_share``, an edit (cycling
    through :data:`EDITS`) of an earlier distinct image, else a new scene."""
    rng = np.random.default_rng(seed)
    out = PlantedImages()
    originals: list[int] = []
    for i in range(n):
        if originals and rng.random() < dup_share:
            source = originals[int(rng.integers(len(originals)))]
            edit = EDITS[len(out.planted) % len(EDITS)]
            out.images.append(edited(out.images[source], edit, rng))
            out.planted.append((i, source, edit))
        else:
            out.images.append(photo(rng))
            originals.append(i)
    return out
