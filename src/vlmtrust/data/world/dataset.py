"""Seeded data sets: scene ``i`` of a seed, and the ``Sample`` records tasks and training read.

Each scene comes from its own generator (``default_rng([seed, FAMILY_INDEX[family], i])``), so
data sets are prefix-stable and any scene can be regenerated alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from vlmtrust.core.records import Sample, encode_png
from vlmtrust.data.world.draw import render
from vlmtrust.data.world.layout import sample_scene
from vlmtrust.data.world.scene import Scene
from vlmtrust.data.world.vocabulary import FAMILY_INDEX, LAYOUT_SIZE


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
    return draw_at(
        seed,
        range(start, start + n),
        family,
        size=size,
        text_prob=text_prob,
        text_words=text_words,
        group_given_occupation=group_given_occupation,
    )


def draw_at(
    seed: int,
    indices: Iterable[int],
    family: str = "objects",
    *,
    size: int = LAYOUT_SIZE,
    text_prob: float = 0.0,
    text_words: Sequence[str] | None = None,
    group_given_occupation: Mapping[str, float] | None = None,
) -> list[Sample]:
    """The samples at ``indices`` of a seeded world data set (each scene from its own
    generator, so any subset is drawn alone, byte-identical to the same rows of ``generate``)."""
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
        for i in indices
    ]
