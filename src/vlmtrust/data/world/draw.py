"""Rendering a scene: textured backgrounds, shapes, people with their props, and written words.

No antialiasing anywhere: object pixels are exactly their colour, figure skin exactly its group's
tone and words exactly their ink, so tests and probes can read the labels back from the pixels.
Backgrounds are seeded textures, so a scene gives the same bytes on every run.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from PIL import Image, ImageDraw

from vlmtrust.data.world.font import _font
from vlmtrust.data.world.scene import Scene
from vlmtrust.data.world.vocabulary import (
    BACKGROUND_RGB,
    COLOUR_RGB,
    GROUP_TONE,
    LAYOUT_SIZE,
    OUTLINE_RGB,
    RGB,
)

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
