"""Text rendered as an image: the FigStep layout (a request as a list heading, empty items).

Used by the zoo to plant the FigStep gap and by the ``figstep`` attack to exploit it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont


def render_lines(
    lines: Sequence[str],
    size: int = 96,
    font_px: int = 12,
    fg: tuple[int, int, int] = (0, 0, 0),
    bg: tuple[int, int, int] = (255, 255, 255),
    margin: int = 4,
) -> Image.Image:
    """Wrap and draw ``lines`` top to bottom on a plain square; deterministic (bundled font)."""
    image = Image.new("RGB", (size, size), bg)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=font_px)
    width_chars = max(4, int((size - 2 * margin) / (font_px * 0.55)))
    y = margin
    for line in lines:
        for piece in textwrap.wrap(line, width_chars) or [""]:
            draw.text((margin, y), piece, fill=fg, font=font)
            y += int(font_px * 1.15)
    return image
