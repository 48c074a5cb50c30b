"""Sampling a scene: attributes and a layout drawn from a numpy ``Generator``.

``sample_scene`` draws every attribute from a fixed sequence of uniform draws, whether or not an
attribute is overridden, so a counterfactual twin (the same scene with one attribute changed)
keeps everything else. Objects are placed so they never overlap each other or the written word,
and a person is sized to fit the canvas, so every label stays visible in the pixels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from vlmtrust.data.world.font import _ink_box, _text_px
from vlmtrust.data.world.scene import Scene
from vlmtrust.data.world.vocabulary import (
    BACKGROUND_RGB,
    BACKGROUNDS,
    COLOUR_RGB,
    COLOURS,
    FAMILY_INDEX,
    LAYOUT_SIZE,
    MAX_COUNT,
    OCCUPATIONS,
    OOD_BACKGROUNDS,
    OOD_SHAPES,
    RGB,
    SHAPES,
    Family,
)

# Object radius range (px at LAYOUT_SIZE) by count: as large as fits, so a tiny CNN sees shapes.
_RADII = {1: (14, 22), 2: (12, 19), 3: (11, 16), 4: (10, 14)}
_PERSON_RADII = (8, 10)  # head radius; the whole figure is about 8.2 head radii tall
_FIG_TOP, _FIG_BOTTOM, _FIG_HALF = 2.45, 5.8, 2.25  # figure extent around the head centre
_TEXT_CONTRAST = 110.0  # minimum RGB distance between a word and its background
_TEXT_LUMA_CONTRAST = 60.0  # and minimum luminance difference, so it is readable


def _pick(options: Sequence[str], u: float) -> str:
    """Map a uniform draw to an option, so each attribute always consumes exactly one draw."""
    return options[min(int(u * len(options)), len(options) - 1)]


def _distance(a: RGB, b: RGB) -> float:
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)))


def _footprint(r: float, grow: int) -> int:
    """Radius of the disc that contains a shape of radius ``r`` with its outline."""
    return math.ceil(1.15 * r) + grow + 2


def _layout_objects(
    rng: np.random.Generator,
    count: int,
    size: int,
    avoid: tuple[int, int, int, int] | None,
) -> tuple[tuple[int, int, int], ...]:
    """Place ``count`` non-overlapping objects, largest first, each uniformly among the centres
    still free; shrink the radius range and retry in the rare case one does not fit."""
    scale = size / LAYOUT_SIZE
    grow = max(1, round(2 * scale))
    lo, hi = (max(2, round(v * scale)) for v in _RADII[count])
    for attempt in range(200):
        if attempt and attempt % 4 == 0:
            hi = max(2, hi - 1)
            lo = min(lo, hi)
        radii = sorted((int(v) for v in rng.integers(lo, hi + 1, size=count)), reverse=True)
        placed: list[tuple[int, int, int, int]] = []
        for r in radii:
            reach = _footprint(r, grow)
            axis = np.arange(reach, size - reach)  # centres that keep the object on the canvas
            if axis.size == 0:
                break
            free = np.ones((axis.size, axis.size), dtype=bool)  # [y, x]
            if avoid is not None:
                x0, y0, x1, y1 = avoid
                dx = np.maximum(np.maximum(x0 - axis, axis - x1), 0)
                dy = np.maximum(np.maximum(y0 - axis, axis - y1), 0)
                free &= (dy * dy)[:, None] + (dx * dx)[None, :] >= reach * reach
            for px, py, _, pf in placed:
                free &= ((axis - py) ** 2)[:, None] + ((axis - px) ** 2)[None, :] >= (
                    reach + pf
                ) ** 2
            options = np.flatnonzero(free)
            if options.size == 0:
                break
            k = int(options[int(rng.integers(options.size))])
            placed.append((int(axis[k % axis.size]), int(axis[k // axis.size]), r, reach))
        if len(placed) == count:
            return tuple((x, y, r) for x, y, r, _ in placed)
    raise RuntimeError(f"cannot place {count} objects on a {size} px canvas")  # pragma: no cover


def _layout_person(
    ux: float, uy: float, ur: float, size: int, avoid: tuple[int, int, int, int] | None
) -> tuple[int, int, int]:
    """Head centre and radius for a figure that fits the canvas and clears the word's band."""
    scale = size / LAYOUT_SIZE
    grow = max(1, round(2 * scale))
    top, bottom = 1 + grow, size - 1 - grow
    if avoid is not None:
        if avoid[1] < size - avoid[3]:  # word near the top
            top = max(top, avoid[3] + 2 + grow)
        else:
            bottom = min(bottom, avoid[1] - 2 - grow)
    lo, hi = (max(3, round(v * scale)) for v in _PERSON_RADII)
    r = lo + min(int(ur * (hi - lo + 1)), hi - lo)
    r = max(3, min(r, int((bottom - top) / (_FIG_TOP + _FIG_BOTTOM))))
    y_lo, y_hi = math.ceil(top + _FIG_TOP * r), math.floor(bottom - _FIG_BOTTOM * r)
    x_lo, x_hi = math.ceil(_FIG_HALF * r) + grow, math.floor(size - 1 - _FIG_HALF * r - grow)
    x = x_lo + min(int(ux * (x_hi - x_lo + 1)), x_hi - x_lo)
    y = y_lo + min(int(uy * (y_hi - y_lo + 1)), max(y_hi - y_lo, 0))
    return (x, y, r)


def _luma(rgb: RGB) -> float:
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]


def _text_colours(background: str, colour: str | None) -> list[str]:
    """Colours a word may take: legible (in hue and brightness) on the background, unlike the
    objects. Never empty: black or white always qualifies."""
    bases = BACKGROUND_RGB[background]
    return [
        c
        for c in COLOURS
        if c != colour
        and all(
            _distance(COLOUR_RGB[c], b) >= _TEXT_CONTRAST
            and abs(_luma(COLOUR_RGB[c]) - _luma(b)) >= _TEXT_LUMA_CONTRAST
            for b in bases
        )
    ]


def _place_text(
    word: str, px: int, size: int, ux: float, uy: float, family: str
) -> tuple[int, int]:
    """Anchor so the word's ink lies inside the canvas; people get it in a top or bottom band."""
    left, top, right, bottom = _ink_box(word, px)
    margin = 2
    x_lo, x_hi = margin - left, size - margin - right
    y_lo, y_hi = margin - top, size - margin - bottom
    if x_hi < x_lo or y_hi < y_lo:
        raise ValueError(f"the word {word!r} does not fit a {size} px image")
    x = x_lo + min(int(ux * (x_hi - x_lo + 1)), x_hi - x_lo)
    if family == "people":
        y = y_lo if uy < 0.5 else y_hi
    else:
        y = y_lo + min(int(uy * (y_hi - y_lo + 1)), y_hi - y_lo)
    return (x, y)


def sample_scene(
    rng: np.random.Generator,
    family: str = "objects",
    *,
    text_prob: float = 0.0,
    text_words: Sequence[str] | None = None,
    group_given_occupation: Mapping[str, float] | None = None,
    size: int = LAYOUT_SIZE,
    shape: str | None = None,
    colour: str | None = None,
    count: int | None = None,
    background: str | None = None,
    group: str | None = None,
    occupation: str | None = None,
    text: str | None = None,
) -> Scene:
    """Draw a random scene of ``family`` (``objects``, ``people``, ``ood`` or ``mixed``).

    ``group_given_occupation`` maps an occupation to P(group == "A") (0.5 if absent): this is
    how an occupation/group bias is planted. A word (from ``text_words``, default ``SHAPES``, so
    it may name another shape) is written with probability ``text_prob``. Any attribute passed
    explicitly overrides the random draw; the same draws are consumed either way, so the other
    attributes, and usually the layout, stay the same (counterfactual twins, e.g. group A vs B).
    """
    if family not in FAMILY_INDEX:
        raise ValueError(f"family must be one of {tuple(FAMILY_INDEX)}, not {family!r}")
    if not 0.0 <= text_prob <= 1.0:
        raise ValueError("text_prob must be in [0, 1]")
    if size < 32:
        raise ValueError("size must be at least 32 px")
    words = tuple(text_words) if text_words is not None else SHAPES
    if not words:
        raise ValueError("text_words must not be empty")
    bias = dict(group_given_occupation or {})
    if any(not 0.0 <= p <= 1.0 for p in bias.values()):
        raise ValueError("group_given_occupation values are probabilities")

    # Fixed draw order, independent of overrides and of text_prob.
    u = [float(v) for v in rng.random(15)]
    texture = int(rng.integers(0, LAYOUT_SIZE * LAYOUT_SIZE))
    fam: Family
    if family == "mixed":  # overrides apply to whichever family is drawn
        fam = "people" if u[0] >= 0.5 else "objects"
    else:
        fam = "people" if family == "people" else "ood" if family == "ood" else "objects"
        unused = (
            {"shape": shape, "colour": colour}
            if fam == "people"
            else {"group": group, "occupation": occupation}
        )
        if given := [k for k, v in unused.items() if v is not None]:
            raise ValueError(f"{fam} scenes have no {' or '.join(given)}")

    if fam == "people":
        occupation = occupation or _pick(OCCUPATIONS, u[5])
        p_a = bias.get(occupation, 0.5)
        group = group or ("A" if u[6] < p_a else "B")
        n = 1 if count is None else count
        bg = background or _pick(BACKGROUNDS, u[4])
    else:
        shapes = OOD_SHAPES if fam == "ood" else SHAPES
        shape = shape or _pick(shapes, u[1])
        colour = colour or _pick(COLOURS, u[2])
        n = count if count is not None else 1 + min(int(u[3] * MAX_COUNT), MAX_COUNT - 1)
        bg = background or _pick(OOD_BACKGROUNDS if fam == "ood" else BACKGROUNDS, u[4])
    if bg not in BACKGROUND_RGB:
        raise ValueError(f"unknown background {bg!r}")
    if not 1 <= n <= MAX_COUNT:
        raise ValueError(f"count must be 1..{MAX_COUNT}")

    word = text if text is not None else (_pick(words, u[8]) if u[7] < text_prob else None)
    text_colour: str | None = None
    text_xy: tuple[int, int] | None = None
    box: tuple[int, int, int, int] | None = None
    px = _text_px(size)
    if word is not None:
        choices = _text_colours(bg, colour)
        text_colour = _pick(choices, u[9])
        text_xy = _place_text(word, px, size, u[10], u[11], fam)
        left, top, right, bottom = _ink_box(word, px)
        box = (text_xy[0] + left, text_xy[1] + top, text_xy[0] + right, text_xy[1] + bottom)

    if fam == "people":
        positions: tuple[tuple[int, int, int], ...] = (
            _layout_person(u[12], u[13], u[14], size, box),
        )
    else:
        positions = _layout_objects(rng, n, size, box)
    return Scene(
        family=fam,
        shape=shape if fam != "people" else None,
        colour=colour if fam != "people" else None,
        count=n,
        background=bg,
        group=group if fam == "people" else None,
        occupation=occupation if fam == "people" else None,
        text=word,
        text_colour=text_colour,
        text_xy=text_xy,
        text_px=px,
        positions=positions,
        size=size,
        texture=texture,
    )
