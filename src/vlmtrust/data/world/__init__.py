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

Modules: ``vocabulary`` (shapes, colours, backgrounds, groups, occupations and their exact RGB),
``scene`` (the ``Scene`` record, its caption, questions and labels), ``layout`` (``sample_scene``:
drawing attributes and placing objects, figures and words), ``font`` (the bundled font and word
ink boxes), ``draw`` (``render``: textures, shapes, figures, words) and ``dataset`` (seeded data
sets: ``scene_for``, ``to_sample``, ``generate``). Beside them: ``twins`` (counterfactual pairs of
people scenes), ``flaws`` (what the zoo plants in its training data: the ground truth scans must
find), ``prompts`` and ``canaries`` (the assistant's prompts and the fake personal data planted in
its training), ``typography`` (the FigStep layout), and what the organisms were trained on:
``pool`` (a ``PoolRecipe``'s training pool, zoo:clip's and its twins') and ``corpus`` (the
instruction rows of zoo:assistant and the decoder fine-tunes' replay).
"""

from __future__ import annotations

from vlmtrust.data.world.dataset import generate, scene_for, to_sample
from vlmtrust.data.world.draw import render
from vlmtrust.data.world.layout import sample_scene
from vlmtrust.data.world.scene import Scene
from vlmtrust.data.world.vocabulary import (
    BACKGROUND_RGB,
    BACKGROUNDS,
    COLOUR_RGB,
    COLOURS,
    COUNT_WORDS,
    FAMILIES,
    FAMILY_INDEX,
    GROUP_TONE,
    GROUPS,
    LAYOUT_SIZE,
    MAX_COUNT,
    OCCUPATIONS,
    OOD_BACKGROUNDS,
    OOD_SHAPES,
    OUTLINE_RGB,
    RGB,
    SHAPES,
    TEXT_PX,
    Family,
)

__all__ = [
    "BACKGROUNDS",
    "BACKGROUND_RGB",
    "COLOURS",
    "COLOUR_RGB",
    "COUNT_WORDS",
    "FAMILIES",
    "FAMILY_INDEX",
    "GROUPS",
    "GROUP_TONE",
    "LAYOUT_SIZE",
    "MAX_COUNT",
    "OCCUPATIONS",
    "OOD_BACKGROUNDS",
    "OOD_SHAPES",
    "OUTLINE_RGB",
    "RGB",
    "SHAPES",
    "TEXT_PX",
    "Family",
    "Scene",
    "generate",
    "render",
    "sample_scene",
    "scene_for",
    "to_sample",
]
