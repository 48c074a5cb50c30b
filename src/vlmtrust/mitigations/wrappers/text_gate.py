"""A pixel-level text-presence gate: decide in ~1 ms whether an image may carry text, so the
guard pays for OCR (~0.1-1 s) only on images that might.

Written text is a row of small, separate, high-contrast marks of about one height, a glyph apart;
the zoo's scenes are a few large outlined shapes on texture. The gate finds Canny edges (Sobel
gradient, hysteresis ``low``/``high``), keeps the edge components of glyph size (longest side
4-14 px, shortest at least 2 px, at 96 px, scaled with the image: the staircase fragments of a
drawn shape's outline are smaller or thinner), and counts the glyphs that have at least two
neighbours on their line: centres within 0.35 of a glyph height across the line and at most one
glyph height apart along it. Lines are tried at several angles (0, +-15, +-30, +-45, 90 degrees:
the marks' centres are rotated, not the image), so rotated text is found too. An image whose
best angle reaches ``min_glyphs`` in-line glyphs goes to OCR.

Measured (``bench/guard_gate.py``, README "Safety: toxicity, guards and NSFW"): every default
FigStep image and benign twin passes the gate; it misses some rotated (20 degrees: ~4%) and
small-font (7-9 px: 9-17%) typography, which the guard then does not read; it skips 99% of
objects scenes and 90% of people scenes; textured ``ood`` backgrounds (checkerboards) look like
text to it and are sent to OCR half the time, which costs only time.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

#: angles (degrees) at which lines of glyphs are looked for
ANGLES = (0.0, 15.0, -15.0, 30.0, -30.0, 45.0, -45.0, 90.0)


def glyph_boxes(image: Image.Image, low: int = 50, high: int = 150) -> np.ndarray:
    """(x, y, w, h) of the glyph-sized edge components, one row each."""
    import cv2

    gray = np.asarray(image.convert("L"))
    scale = max(gray.shape) / 96
    edges = (cv2.Canny(gray, low, high) > 0).astype(np.uint8)
    _, _, stats, _ = cv2.connectedComponentsWithStats(edges, connectivity=8)
    boxes = stats[1:, :4].astype(np.float64)
    longest = boxes[:, 2:4].max(axis=1) if len(boxes) else np.zeros(0)
    shortest = boxes[:, 2:4].min(axis=1) if len(boxes) else np.zeros(0)
    glyph = (longest >= 4 * scale) & (longest <= 14 * scale) & (shortest >= 2 * scale)
    kept: np.ndarray = boxes[glyph]
    return kept


def in_line_glyphs(boxes: np.ndarray, angle: float) -> int:
    """How many glyphs have two or more neighbours on a line at ``angle`` degrees."""
    if len(boxes) < 3:
        return 0
    size = boxes[:, 2:4].max(axis=1)
    centre = boxes[:, :2] + boxes[:, 2:4] / 2
    theta = np.deg2rad(angle)
    along = centre[:, 0] * np.cos(theta) - centre[:, 1] * np.sin(theta)
    across = centre[:, 0] * np.sin(theta) + centre[:, 1] * np.cos(theta)
    pair = np.maximum(size[:, None], size[None, :])
    # extent of a glyph along the line: half its size each way, whatever the angle
    gap = np.abs(along[:, None] - along[None, :]) - pair
    near = (np.abs(across[:, None] - across[None, :]) <= 0.35 * pair) & (gap <= pair)
    np.fill_diagonal(near, False)
    return int((near.sum(axis=1) >= 2).sum())


def text_score(image: Image.Image) -> int:
    """The most in-line glyphs found at any of ``ANGLES``."""
    boxes = glyph_boxes(image)
    return max(in_line_glyphs(boxes, a) for a in ANGLES)


def may_have_text(image: Image.Image, min_glyphs: int = 3) -> bool:
    return text_score(image) >= min_glyphs
