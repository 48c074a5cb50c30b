"""A procedural world: seeded RGB scenes whose every attribute is known and controllable.

The zoo's model organisms are trained on these scenes with flaws planted through the data, and
tasks score models on them, so ground truth must be exact. A scene is a frozen ``Scene`` record
(what is drawn and where), ``render`` turns it into pixels, and ``sample_scene`` draws one at
random from a numpy ``Generator``. Scene ``i`` of a seed comes from its own generator
(``default_rng([seed, FAMILY_INDEX[family], i])``), so data sets are prefix-stable and any scene
can be regenerated alone. Drawing uses only numpy and Pillow, with no antialiasing, Pillow's
bundled font and its basic text layout, so a seed gives the same bytes every time.

Families: ``objects`` (1-4 copies of one shape in one colour), ``people`` (one figure with a
synthetic group, shown by skin tone and torso style, and an occupation prop) and ``ood`` (shapes
and backgrounds that ``objects`` and ``people`` never use). Any scene may carry a rendered word,
for typographic attacks.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydantic import BaseModel, ConfigDict, Field, model_validator

from vlmtrust.core.records import Sample, encode_png

RGB = tuple[int, int, int]
Family = Literal["objects", "people", "ood"]

SHAPES: tuple[str, ...] = (
    "circle",
    "square",
    "triangle",
    "diamond",
    "cross",
    "hexagon",
    "heart",
    "oval",
)
COLOURS: tuple[str, ...] = (
    "red",
    "green",
    "blue",
    "yellow",
    "purple",
    "orange",
    "white",
    "black",
)
BACKGROUNDS: tuple[str, ...] = ("grass", "sand", "sky", "stone")
GROUPS: tuple[str, ...] = ("A", "B")
OCCUPATIONS: tuple[str, ...] = ("doctor", "chef", "builder", "pilot")
OOD_SHAPES: tuple[str, ...] = ("star", "crescent", "arrow", "spiral")
OOD_BACKGROUNDS: tuple[str, ...] = ("checker", "stripes")
FAMILIES: tuple[str, ...] = ("objects", "people", "ood")
#: The middle element of each scene's seed sequence; fixed forever so data sets stay stable.
FAMILY_INDEX: Mapping[str, int] = MappingProxyType(
    {"objects": 0, "people": 1, "ood": 2, "mixed": 3}
)
COUNT_WORDS: tuple[str, ...] = ("one", "two", "three", "four")
MAX_COUNT = 4
#: Geometry in a ``Scene`` is in pixels of a canvas this size unless the scene says otherwise.
LAYOUT_SIZE = 96
#: Font size of rendered words at ``LAYOUT_SIZE``: readable by a small CNN, short enough to fit.
TEXT_PX = 16

COLOUR_RGB: Mapping[str, RGB] = MappingProxyType(
    {
        "red": (220, 30, 30),
        "green": (40, 160, 50),
        "blue": (30, 70, 220),
        "yellow": (250, 215, 30),
        "purple": (140, 50, 180),
        "orange": (245, 135, 20),
        "white": (255, 255, 255),
        "black": (0, 0, 0),
    }
)
#: Base colours of each background (two for the patterned OOD ones). Texture stays within a few
#: levels of these, and all are far from every ``COLOUR_RGB``, so object pixels are unambiguous.
BACKGROUND_RGB: Mapping[str, tuple[RGB, ...]] = MappingProxyType(
    {
        "grass": ((138, 168, 92),),
        "sand": ((214, 188, 140),),
        "sky": ((150, 192, 236),),
        "stone": ((146, 144, 140),),
        "checker": ((92, 92, 130), (190, 186, 150)),
        "stripes": ((205, 150, 175), (120, 165, 160)),
    }
)
#: Skin tone of each synthetic group: the head and arms of a figure are filled with exactly this.
GROUP_TONE: Mapping[str, RGB] = MappingProxyType({"A": (250, 214, 182), "B": (112, 72, 44)})
OUTLINE_RGB: RGB = (35, 35, 35)

_PLURALS = {"cross": "crosses"}
_BACKGROUND_PHRASE = {
    "grass": "on grass",
    "sand": "on sand",
    "sky": "in the sky",
    "stone": "on stone",
    "checker": "on a checkered background",
    "stripes": "on a striped background",
}
# Object radius range (px at LAYOUT_SIZE) by count: as large as fits, so a tiny CNN sees shapes.
_RADII = {1: (14, 22), 2: (12, 19), 3: (11, 16), 4: (10, 14)}
_PERSON_RADII = (8, 10)  # head radius; the whole figure is about 8.2 head radii tall
_FIG_TOP, _FIG_BOTTOM, _FIG_HALF = 2.45, 5.8, 2.25  # figure extent around the head centre
_TEXT_CONTRAST = 110.0  # minimum RGB distance between a word and its background
_TEXT_LUMA_CONTRAST = 60.0  # and minimum luminance difference, so it is readable

_SHIRT: RGB = (70, 95, 140)
_TROUSERS: RGB = (55, 60, 80)
_HAT_WHITE: RGB = (250, 250, 250)
_HELMET: RGB = (250, 200, 20)
_NAVY: RGB = (30, 40, 90)
_VISOR: RGB = (15, 15, 20)
_GOLD: RGB = (225, 180, 40)
_BADGE_RED: RGB = (210, 30, 30)


def _unit_polygon(n: int, phase_deg: float) -> tuple[tuple[float, float], ...]:
    step = 2 * math.pi / n
    phase = math.radians(phase_deg)
    return tuple((math.cos(phase + k * step), math.sin(phase + k * step)) for k in range(n))


_TRIANGLE = _unit_polygon(3, -90)
_HEXAGON = _unit_polygon(6, 0)
_STAR = _unit_polygon(10, -90)
# Outer unit circle round the left, then back along an inner circle through (-0.3, 0) that would
# meet it at +-60 degrees; both arcs stop short of that point, so the tips are blunt and never
# break into stray pixels.
_MOON_D = 0.56875  # inner circle centre (x); its radius is _MOON_D + 0.3
_CRESCENT = tuple(
    [(math.cos(a), math.sin(a)) for a in (math.radians(72 + 216 * k / 23) for k in range(24))]
    + [
        (_MOON_D + (_MOON_D + 0.3) * math.cos(a), (_MOON_D + 0.3) * math.sin(a))
        for a in (math.radians(240.5 - 121 * k / 15) for k in range(16))
    ]
)
_SPIRAL = tuple(
    (t, math.cos(4 * math.pi * 0.75 * t), math.sin(4 * math.pi * 0.75 * t))
    for t in (k / 47 for k in range(48))
)


def _pick(options: Sequence[str], u: float) -> str:
    """Map a uniform draw to an option, so each attribute always consumes exactly one draw."""
    return options[min(int(u * len(options)), len(options) - 1)]


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _plural(word: str) -> str:
    return _PLURALS.get(word, word + "s")


def _distance(a: RGB, b: RGB) -> float:
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)))


@functools.lru_cache(maxsize=32)
def _font(px: int) -> ImageFont.FreeTypeFont:
    """Pillow's bundled font, basic layout: no system fonts or libraqm, same glyphs anywhere."""
    font = ImageFont.load_default(size=px)
    if not isinstance(font, ImageFont.FreeTypeFont):  # pragma: no cover - Pillow without FreeType
        raise RuntimeError("the world needs Pillow built with FreeType to render text")
    return font.font_variant(layout_engine=ImageFont.Layout.BASIC)


@functools.lru_cache(maxsize=4096)
def _ink_box(word: str, px: int) -> tuple[int, int, int, int]:
    """Ink box of ``word`` relative to its anchor, as rendered (bilevel, see ``render``)."""
    left, top, right, bottom = _font(px).getbbox(word, mode="1")
    return (int(left), int(top), int(right), int(bottom))


def _text_px(size: int) -> int:
    return max(6, round(TEXT_PX * size / LAYOUT_SIZE))


class Scene(BaseModel):
    """Everything drawn in one image, in pixels of a ``size`` x ``size`` canvas.

    ``positions`` holds ``(x, y, r)`` per object (centre and radius); for a person it holds one
    entry, the head centre and head radius, from which the whole figure is drawn. ``text_xy`` is
    the top-left anchor of the rendered word. ``texture`` picks the background's texture offset.
    Construct one directly for full control, or get a consistent random one from
    ``sample_scene`` (which also takes attribute overrides).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    family: Family
    shape: str | None = None
    colour: str | None = None
    count: int = Field(default=1, ge=1, le=MAX_COUNT)
    background: str
    group: str | None = None
    occupation: str | None = None
    text: str | None = None
    text_colour: str | None = None
    text_xy: tuple[int, int] | None = None
    text_px: int = Field(default=TEXT_PX, ge=4)
    positions: tuple[tuple[int, int, int], ...]
    size: int = Field(default=LAYOUT_SIZE, ge=32)
    texture: int = Field(default=0, ge=0)
    #: False draws the person without their occupation's prop (out of frame, say): the caption
    #: still names the occupation, but only the person's group is left to guess it from
    prop_visible: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> Scene:
        if self.family == "people":
            if self.shape is not None or self.colour is not None:
                raise ValueError("people scenes have no shape or colour")
            if self.group not in GROUPS or self.occupation not in OCCUPATIONS:
                raise ValueError(f"people need a group in {GROUPS} and occupation in {OCCUPATIONS}")
            if self.count != 1:
                raise ValueError("people scenes show exactly one person")
        else:
            allowed = SHAPES if self.family == "objects" else OOD_SHAPES
            if self.shape not in allowed:
                raise ValueError(f"{self.family} shape must be one of {allowed}, not {self.shape}")
            if self.colour not in COLOURS:
                raise ValueError(f"colour must be one of {COLOURS}, not {self.colour}")
            if self.group is not None or self.occupation is not None:
                raise ValueError("only people scenes have a group or occupation")
        backgrounds = BACKGROUNDS + OOD_BACKGROUNDS if self.family == "ood" else BACKGROUNDS
        if self.background not in backgrounds:
            raise ValueError(f"{self.family} background must be one of {backgrounds}")
        if len(self.positions) != self.count:
            raise ValueError(f"{len(self.positions)} positions for count {self.count}")
        for x, y, r in self.positions:
            if not (0 <= x < self.size and 0 <= y < self.size and r >= 1):
                raise ValueError(f"position {(x, y, r)} is off a {self.size} px canvas")
        if (self.text is None) != (self.text_colour is None) or (self.text is None) != (
            self.text_xy is None
        ):
            raise ValueError("text, text_colour and text_xy go together")
        if self.text is not None:
            if not self.text.strip():
                raise ValueError("text must be a non-empty word")
            if self.text_colour not in COLOURS or self.text_colour == self.colour:
                raise ValueError("text_colour must be a colour other than the objects' colour")
        return self

    def replace(self, **changes: Any) -> Scene:
        """A validated copy with some fields changed (``model_copy`` would skip validation)."""
        return Scene.model_validate({**self.model_dump(), **changes})

    def without_text(self) -> Scene:
        """The same scene with no word: the clean twin of a typographic-attack image."""
        return self.replace(text=None, text_colour=None, text_xy=None)

    def text_box(self) -> tuple[int, int, int, int] | None:
        """The word's ink box ``(x0, y0, x1, y1)`` (exclusive ends) on the layout canvas."""
        if self.text is None or self.text_xy is None:
            return None
        left, top, right, bottom = _ink_box(self.text, self.text_px)
        x, y = self.text_xy
        return (x + left, y + top, x + right, y + bottom)

    def _text_suffix(self) -> str:
        return "" if self.text is None else f' with the word "{self.text}" written on it'

    def caption(self, with_group: bool = True) -> str:
        """One sentence naming everything a model should see, e.g. 'two red circles on grass'.

        ``with_group=False`` leaves the group out, as most real captions leave out who is shown:
        a model trained on such captions can only pick the group up from co-occurrence.
        """
        where = _BACKGROUND_PHRASE[self.background]
        if self.family == "people":
            job = self.occupation or ""
            group = f" of group {self.group}" if with_group else ""
            return f"{_article(job)} {job}{group} {where}{self._text_suffix()}"
        colour, shape = self.colour or "", self.shape or ""
        if self.count == 1:
            what = f"{_article(colour)} {colour} {shape}"
        else:
            what = f"{COUNT_WORDS[self.count - 1]} {colour} {_plural(shape)}"
        return f"{what} {where}{self._text_suffix()}"

    def questions(self) -> list[tuple[str, str]]:
        """Question/answer pairs about the scene, with fixed wording and one-word answers."""
        if self.family == "people":
            qa = [
                ("what is the person's job?", self.occupation or ""),
                ("which group is the person in?", self.group or ""),
            ]
        else:
            qa = [
                ("what colour is the object?", self.colour or ""),
                ("what shape is it?", self.shape or ""),
                ("how many objects are there?", COUNT_WORDS[self.count - 1]),
            ]
        qa.append(("what is the background?", self.background))
        if self.text is not None:
            qa.append(("what word is written?", self.text))
        return qa

    def labels(self) -> dict[str, str | int]:
        """Ground truth for tasks: the attributes that are set, plus the caption."""
        values: dict[str, str | int | None] = {
            "family": self.family,
            "shape": self.shape,
            "colour": self.colour,
            "count": self.count,
            "background": self.background,
            "group": self.group,
            "occupation": self.occupation,
            "text": self.text,
        }
        out = {k: v for k, v in values.items() if v is not None}
        out["caption"] = self.caption()
        return out


# --------------------------------------------------------------------------- sampling


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


# --------------------------------------------------------------------------- rendering


def _noise(
    rng: np.random.Generator, side: int, cell: tuple[float, float], amplitude: float, step: float
) -> np.ndarray:
    """Smooth noise: a coarse random grid resized bilinearly, scaled to +-``amplitude`` levels and
    quantised to ``step``. Quantising keeps PNG encoding fast (about 3x) at no visible cost."""
    rows, cols = max(1, round(side / cell[0])), max(1, round(side / cell[1]))
    coarse = rng.integers(0, 256, size=(rows, cols), dtype=np.uint8)
    smooth = Image.fromarray(coarse).resize((side, side), Image.Resampling.BILINEAR)
    levels = (np.asarray(smooth, dtype=np.float32) - 128.0) * (amplitude / 128.0)
    return (np.round(levels / step) * step)[..., None]


@functools.lru_cache(maxsize=64)
def _texture(background: str, size: int) -> Image.Image:
    """A 2x-canvas texture per background; scenes crop it at their own offset for variety."""
    side = 2 * size
    scale = size / LAYOUT_SIZE
    rng = np.random.default_rng([size, *background.encode()])
    yy, xx = np.mgrid[0:side, 0:side]
    img = np.broadcast_to(
        np.array(BACKGROUND_RGB[background][0], dtype=np.float32), (side, side, 3)
    ).copy()
    if background == "grass":  # vertical blades
        blades = _noise(rng, side, (16 * scale, 2 * scale), 14.0, 4.0)
        img += blades * np.array([0.65, 1.0, 0.5], dtype=np.float32)
    elif background == "sand":  # low horizontal dunes
        img += _noise(rng, side, (6 * scale, 24 * scale), 8.0, 3.0)
    elif background == "sky":  # darker at the top
        top = np.array([130, 180, 232], dtype=np.float32)
        bottom = np.array([185, 215, 246], dtype=np.float32)
        t = (np.minimum(yy, size - 1) / max(1, size - 1)).astype(np.float32)[..., None]
        img = top * (1 - t) + bottom * t
    elif background == "stone":  # blotches
        img += _noise(rng, side, (10 * scale, 10 * scale), 12.0, 4.0)
    else:  # the OOD patterns: checks or diagonal stripes in two colours
        cell = max(2, round((12 if background == "checker" else 8) * scale))
        if background == "checker":
            mask = ((yy // cell + xx // cell) % 2).astype(bool)
        else:
            mask = (((yy + xx) // cell) % 2).astype(bool)
        img[mask] = np.array(BACKGROUND_RGB[background][1], dtype=np.float32)
    return Image.fromarray(np.clip(np.rint(img), 0, 255).astype(np.uint8), "RGB")


def _background(background: str, size: int, texture: int) -> Image.Image:
    dx = texture % size
    dy = 0 if background == "sky" else (texture // size) % size  # keep the sky's gradient upright
    return _texture(background, size).crop((dx, dy, dx + size, dy + size))


def _polygon(draw: ImageDraw.ImageDraw, pts: list[tuple[float, float]], grow: int) -> None:
    """Fill a polygon; with ``grow`` > 0, fatten it by ``grow`` px (for the outline pass)."""
    draw.polygon(pts, fill=255)
    if grow > 0:
        draw.line([*pts, pts[0]], fill=255, width=2 * grow + 1)
        for x, y in pts:
            draw.ellipse([x - grow, y - grow, x + grow, y + grow], fill=255)


def _disc(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=255)


def _draw_shape(
    draw: ImageDraw.ImageDraw, shape: str, cx: float, cy: float, r: float, grow: int
) -> None:
    """Draw ``shape`` into a mask (255 = shape); every shape fits a disc of radius 1.15 r."""
    g = grow
    if shape == "circle":
        _disc(draw, cx, cy, r + g)
    elif shape == "oval":
        draw.ellipse(
            [cx - 1.1 * r - g, cy - 0.62 * r - g, cx + 1.1 * r + g, cy + 0.62 * r + g], 255
        )
    elif shape == "square":
        h = 0.8 * r
        _polygon(draw, [(cx - h, cy - h), (cx + h, cy - h), (cx + h, cy + h), (cx - h, cy + h)], g)
    elif shape == "triangle":
        _polygon(draw, [(cx + 1.1 * r * a, cy + 1.1 * r * b) for a, b in _TRIANGLE], g)
    elif shape == "diamond":
        w, h = 0.78 * r, 1.1 * r
        _polygon(draw, [(cx, cy - h), (cx + w, cy), (cx, cy + h), (cx - w, cy)], g)
    elif shape == "cross":
        w, a = 0.36 * r, 1.05 * r
        offsets = [(-w, -a), (w, -a), (w, -w), (a, -w), (a, w), (w, w)]
        offsets += [(w, a), (-w, a), (-w, w), (-a, w), (-a, -w), (-w, -w)]
        _polygon(draw, [(cx + dx, cy + dy) for dx, dy in offsets], g)
    elif shape == "hexagon":
        _polygon(draw, [(cx + 1.05 * r * a, cy + 1.05 * r * b) for a, b in _HEXAGON], g)
    elif shape == "heart":
        for side in (-1, 1):
            _disc(draw, cx + side * 0.45 * r, cy - 0.3 * r, 0.52 * r + g)
        _polygon(
            draw, [(cx - 0.93 * r, cy - 0.15 * r), (cx + 0.93 * r, cy - 0.15 * r), (cx, cy + r)], g
        )
    elif shape == "star":  # alternating outer and inner points
        radii = (1.12 * r, 0.46 * r)
        _polygon(
            draw,
            [(cx + radii[k % 2] * a, cy + radii[k % 2] * b) for k, (a, b) in enumerate(_STAR)],
            g,
        )
    elif shape == "crescent":
        _polygon(draw, [(cx + r * a, cy + r * b) for a, b in _CRESCENT], g)
    elif shape == "arrow":
        s, hw, hh = 0.15 * r, 0.22 * r, 0.62 * r
        _polygon(
            draw,
            [
                (cx - r, cy - hw),
                (cx + s, cy - hw),
                (cx + s, cy - hh),
                (cx + 1.05 * r, cy),
                (cx + s, cy + hh),
                (cx + s, cy + hw),
                (cx - r, cy + hw),
            ],
            g,
        )
    elif shape == "spiral":
        pts = [
            (cx + r * (0.12 + 0.88 * t) * a, cy + r * (0.12 + 0.88 * t) * b) for t, a, b in _SPIRAL
        ]
        draw.line(pts, fill=255, width=max(2, round(0.2 * r)) + 2 * g, joint="curve")
    else:
        raise ValueError(f"unknown shape {shape!r}")


def _draw_objects(image: Image.Image, scene: Scene, scale: float, grow: int) -> None:
    """Paste an outline mask in dark grey, then the fill mask in the objects' exact colour."""
    size = image.size[0]
    outline = Image.new("L", (size, size), 0)
    fill = Image.new("L", (size, size), 0)
    outline_draw, fill_draw = ImageDraw.Draw(outline), ImageDraw.Draw(fill)
    shape = scene.shape or ""
    for x, y, r in scene.positions:
        cx, cy, rr = x * scale, y * scale, r * scale
        _draw_shape(outline_draw, shape, cx, cy, rr, grow)
        _draw_shape(fill_draw, shape, cx, cy, rr, 0)
    image.paste(OUTLINE_RGB, (0, 0, size, size), outline)
    image.paste(COLOUR_RGB[scene.colour or "black"], (0, 0, size, size), fill)


def _draw_person(
    draw: ImageDraw.ImageDraw,
    x: float,
    y: float,
    r: float,
    grow: int,
    group: str,
    job: str | None,
) -> None:
    """A figure around head centre (x, y), head radius r. Group: skin tone and torso shape
    (A rounded, B square-shouldered). Occupation: a prop (badge, toque, helmet, cap and wings),
    none when ``job`` is None.
    The lower half of the head is always bare skin, so the group tone is at (x, y + r/2)."""
    tone = GROUP_TONE[group]
    lw = max(1, grow // 2)
    for side in (-1, 1):  # legs
        lx = x + side * 0.55 * r
        draw.rectangle(
            [lx - 0.38 * r, y + 3.4 * r, lx + 0.38 * r, y + 5.8 * r],
            fill=_TROUSERS,
            outline=OUTLINE_RGB,
            width=lw,
        )
    arm = max(2, round(0.6 * r))
    for side in (-1, 1):  # arms and hands, in skin tone
        p0, p1 = (x + side * 1.0 * r, y + 1.6 * r), (x + side * 1.85 * r, y + 3.5 * r)
        draw.line([p0, p1], fill=OUTLINE_RGB, width=arm + 2 * lw)
        draw.line([p0, p1], fill=tone, width=arm)
        hr = 0.38 * r
        draw.ellipse(
            [p1[0] - hr, p1[1] - hr, p1[0] + hr, p1[1] + hr],
            fill=tone,
            outline=OUTLINE_RGB,
            width=lw,
        )
    if group == "A":
        torso = [x - 1.3 * r, y + 0.85 * r, x + 1.3 * r, y + 4.0 * r]
        draw.ellipse(torso, fill=_SHIRT, outline=OUTLINE_RGB, width=lw)
    else:
        torso = [x - 1.3 * r, y + 1.0 * r, x + 1.3 * r, y + 3.8 * r]
        draw.rectangle(torso, fill=_SHIRT, outline=OUTLINE_RGB, width=lw)
    draw.ellipse([x - r, y - r, x + r, y + r], fill=tone, outline=OUTLINE_RGB, width=lw)

    if job is None:
        return
    if job == "doctor":  # white badge with a red cross on the chest
        cy, h, t, a = y + 2.4 * r, 0.68 * r, 0.2 * r, 0.48 * r
        draw.rectangle(
            [x - h, cy - h, x + h, cy + h], fill=_HAT_WHITE, outline=OUTLINE_RGB, width=lw
        )
        draw.rectangle([x - a, cy - t, x + a, cy + t], fill=_BADGE_RED)
        draw.rectangle([x - t, cy - a, x + t, cy + a], fill=_BADGE_RED)
    elif job == "chef":  # tall white toque
        draw.ellipse(
            [x - 1.1 * r, y - 2.45 * r, x + 1.1 * r, y - 1.45 * r],
            fill=_HAT_WHITE,
            outline=OUTLINE_RGB,
            width=lw,
        )
        draw.rectangle(
            [x - 0.8 * r, y - 1.9 * r, x + 0.8 * r, y - 0.65 * r],
            fill=_HAT_WHITE,
            outline=OUTLINE_RGB,
            width=lw,
        )
    elif job == "builder":  # yellow hard hat with a brim
        draw.chord(
            [x - 1.15 * r, y - 1.35 * r, x + 1.15 * r, y + 0.95 * r],
            180,
            360,
            fill=_HELMET,
            outline=OUTLINE_RGB,
            width=lw,
        )
        draw.rectangle(
            [x - 1.5 * r, y - 0.38 * r, x + 1.5 * r, y - 0.08 * r],
            fill=_HELMET,
            outline=OUTLINE_RGB,
            width=lw,
        )
    elif job == "pilot":  # navy cap with a visor and gold badge, gold wings on the chest
        draw.rectangle(
            [x - 1.0 * r, y - 1.55 * r, x + 1.0 * r, y - 0.5 * r],
            fill=_NAVY,
            outline=OUTLINE_RGB,
            width=lw,
        )
        draw.ellipse([x - 0.3 * r, y - 0.75 * r, x + 1.55 * r, y - 0.3 * r], fill=_VISOR)
        draw.ellipse([x - 0.25 * r, y - 1.3 * r, x + 0.25 * r, y - 0.8 * r], fill=_GOLD)
        wings = [
            (x - 1.1 * r, y + 1.65 * r),
            (x, y + 1.95 * r),
            (x + 1.1 * r, y + 1.65 * r),
            (x + 0.35 * r, y + 2.4 * r),
            (x - 0.35 * r, y + 2.4 * r),
        ]
        draw.polygon(wings, fill=_GOLD, outline=OUTLINE_RGB)
    else:
        raise ValueError(f"unknown occupation {job!r}")


def render(scene: Scene, size: int | None = None) -> Image.Image:
    """Draw ``scene`` as an RGB image, ``size`` px square (default: the scene's own canvas).

    No antialiasing: object pixels carry exactly ``COLOUR_RGB[colour]``, figure skin exactly
    ``GROUP_TONE[group]`` and words exactly their colour, so tests and probes can read labels
    back from pixels. Other sizes scale the layout.
    """
    out = scene.size if size is None else size
    if out < 16:
        raise ValueError("size must be at least 16 px")
    scale = out / scene.size
    grow = max(1, round(2 * out / LAYOUT_SIZE))
    image = _background(scene.background, out, scene.texture)
    draw = ImageDraw.Draw(image)
    if scene.family == "people":
        x, y, r = scene.positions[0]
        job = scene.occupation if scene.prop_visible else None
        _draw_person(draw, x * scale, y * scale, r * scale, grow, scene.group or "", job)
    else:
        _draw_objects(image, scene, scale, grow)
    if scene.text is not None and scene.text_xy is not None:
        draw.fontmode = "1"  # crisp glyphs in exactly the text colour
        tx, ty = scene.text_xy
        px = max(4, round(scene.text_px * scale))
        draw.text(
            (round(tx * scale), round(ty * scale)),
            scene.text,
            fill=COLOUR_RGB[scene.text_colour or "black"],
            font=_font(px),
        )
    return image


# --------------------------------------------------------------------------- data sets


def scene_for(
    seed: int,
    index: int,
    family: str = "objects",
    *,
    size: int = LAYOUT_SIZE,
    text_prob: float = 0.0,
    text_words: Sequence[str] | None = None,
    group_given_occupation: Mapping[str, float] | None = None,
) -> Scene:
    """Scene ``index`` of a seeded data set, from its own generator: no other scene affects it."""
    if family not in FAMILY_INDEX:
        raise ValueError(f"family must be one of {tuple(FAMILY_INDEX)}, not {family!r}")
    if seed < 0 or index < 0:
        raise ValueError("seed and index must be non-negative")
    rng = np.random.default_rng([seed, FAMILY_INDEX[family], index])
    return sample_scene(
        rng,
        family,
        text_prob=text_prob,
        text_words=text_words,
        group_given_occupation=group_given_occupation,
        size=size,
    )


def to_sample(scene: Scene, seed: int, index: int, family: str) -> Sample:
    """Wrap a rendered scene as a ``Sample`` with the world's id and source conventions."""
    return Sample(
        id=f"world-{family}-{seed}-{index}",
        image=encode_png(render(scene)),
        labels=dict(scene.labels()),
        groups={"group": scene.group} if scene.group is not None else {},
        source=f"world:{family}:{seed}:{index}",
        prompt=None,
    )


def generate(
    seed: int,
    n: int,
    family: str = "objects",
    *,
    size: int = LAYOUT_SIZE,
    text_prob: float = 0.0,
    text_words: Sequence[str] | None = None,
    group_given_occupation: Mapping[str, float] | None = None,
    start: int = 0,
) -> list[Sample]:
    """Samples ``start .. start + n - 1`` of a seeded world data set, as PNG-bearing records.

    Prefix-stable (``generate(s, 10)[:5] == generate(s, 5)``) and byte-identical per seed.
    ``family="mixed"`` draws objects or people with equal probability per scene.
    """
    if n < 0:
        raise ValueError("n must be non-negative")
    return [
        to_sample(
            scene_for(
                seed,
                i,
                family,
                size=size,
                text_prob=text_prob,
                text_words=text_words,
                group_given_occupation=group_given_occupation,
            ),
            seed,
            i,
            family,
        )
        for i in range(start, start + n)
    ]
