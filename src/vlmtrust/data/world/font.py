"""The lettering of written words: Pillow's bundled font with basic layout, and the box a word's
ink covers in it.

Shared by the scene (``Scene.text_box``), the layout (placing a word clear of everything else)
and the renderer, so all three agree to the pixel on where a word's ink lies. Bundled font and
basic layout (no system fonts, no libraqm) keep the glyphs the same on every machine.
"""

from __future__ import annotations

import functools

from PIL import ImageFont

from vlmtrust.data.world.vocabulary import LAYOUT_SIZE, TEXT_PX


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
