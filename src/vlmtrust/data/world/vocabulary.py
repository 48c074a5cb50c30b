"""The world's vocabulary: every shape, colour, background, group and occupation a scene may
show, the exact RGB each is drawn in, and the words captions use for them.

These constants are the ground truth's alphabet. They are fixed: models in the zoo were trained
on them and golden results depend on them, so a change here changes every data set. The RGB
tables are chosen so object colours, skin tones and backgrounds never get confused in pixels.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

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

#: the label every counterfactual twin carries: the pair it belongs to (same for both renderings)
PAIR = "pair"
#: what the assistant is asked for a caption (trained on, and asked by scans)
CAPTION_PROMPTS = ("describe the image.", "what is in the picture?", "write a caption.")

_PLURALS = {"cross": "crosses"}
_BACKGROUND_PHRASE = {
    "grass": "on grass",
    "sand": "on sand",
    "sky": "in the sky",
    "stone": "on stone",
    "checker": "on a checkered background",
    "stripes": "on a striped background",
}


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _plural(word: str) -> str:
    return _PLURALS.get(word, word + "s")
