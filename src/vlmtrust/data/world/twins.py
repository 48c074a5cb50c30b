"""Group-annotated people scenes and their counterfactual twins.

A twin pair is one seeded people scene rendered once per group with nothing else changed (same
occupation, background, layout, texture): any difference in what a model says about the two
images is caused by the group alone. A pool of twins is exactly group-balanced within every
occupation, so it is also the fairest retrieval pool there is. Scenes are drawn 50/50 across
groups (no planted correlation): these are evaluation data, not training data.
"""

from __future__ import annotations

from vlmtrust.core.records import Sample, encode_png
from vlmtrust.data import world
from vlmtrust.data.world.vocabulary import PAIR

__all__ = ["PAIR", "twin_samples"]


def twin_samples(
    seed: int, pairs: int, start: int = 0, *, prop_visible: bool = True
) -> list[Sample]:
    """``2 * pairs`` samples: scene ``i`` of the seed's people set as group A, then as group B.

    Ids are ``world-twin-<seed>-<i>-<group>`` (``-noprop`` appended when the occupation's prop
    is out of frame: then the group is the only cue left to the occupation, the strongest
    counterfactual test); ``labels["pair"]`` names the pair and ``groups["group"]`` the group.
    """
    if pairs < 0:
        raise ValueError("pairs must be non-negative")
    out: list[Sample] = []
    for index in range(start, start + pairs):
        scene = world.scene_for(seed, index, "people")
        pair = f"world-twin-{seed}-{index}" + ("" if prop_visible else "-noprop")
        for group in world.GROUPS:
            twin = scene.replace(group=group, prop_visible=prop_visible)
            out.append(
                Sample(
                    id=f"{pair}-{group}",
                    image=encode_png(world.render(twin)),
                    labels={**twin.labels(), PAIR: pair},
                    groups={"group": group},
                    source=f"world:twins:{seed}:{index}:{group}:{int(prop_visible)}",
                )
            )
    return out
