"""Training data shared by the ``zoo:clip`` fairness trainers (``dear``, ``resample``).

People scenes are drawn 50/50 across groups in every occupation (the planted correlation is the
thing to remove, so it must not be re-taught) and each is rendered twice, once per group (its
counterfactual twin), with the occupation's prop out of frame in a share
of them, as in the organism's own training; object scenes are replayed so shape zero-shot holds.
Captions never name the group, like the organism's. The seed is the mitigation's own: scans use
seed 0 and held-out twins other seeds, so a trainer never sees the images it is judged on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from pydantic import Field

from vlmtrust.core.capabilities import Tunable
from vlmtrust.core.spec import Params
from vlmtrust.data import world
from vlmtrust.data.world.flaws import FAIR_GROUPS
from vlmtrust.mitigations.trainers.training.scenes import render_pixels, world_scenes


class ClipDataParams(Params):
    people: int = Field(
        default=600, ge=2, description="people scenes, each also rendered as its group twin"
    )
    objects: int = Field(default=600, ge=0, description="object scenes replayed for shapes")
    hidden_prop_share: float = Field(default=0.3, ge=0.0, le=1.0)
    seed: int = Field(default=7_300_001, description="world seed of the training scenes")


@dataclass
class ClipData:
    """Rendered training scenes (pixels in [0, 1], 64 px), each with its caption index into
    ``captions``; ``group`` / ``occupation`` / ``twin`` (the index of the same scene rendered
    with the other group) are -1 on object scenes."""

    pixels: torch.Tensor
    caption_index: torch.Tensor
    captions: list[str]
    group: torch.Tensor
    occupation: torch.Tensor
    scenes: list[world.Scene]
    twin: torch.Tensor

    @property
    def people(self) -> torch.Tensor:
        return self.group >= 0


def build_clip_data(params: ClipDataParams, model: Tunable) -> ClipData:
    """The scenes, rendered with ``model``'s preprocessing."""
    rng = np.random.default_rng([params.seed, 11])
    scenes: list[world.Scene] = []
    for i in range(params.people):
        scene = world.scene_for(params.seed, i, "people", group_given_occupation=FAIR_GROUPS)
        if rng.random() < params.hidden_prop_share:
            scene = scene.replace(prop_visible=False)
        other = world.GROUPS[1 - world.GROUPS.index(scene.group or world.GROUPS[0])]
        scenes += [scene, scene.replace(group=other)]
    scenes += world_scenes(params.seed, "objects", params.objects)
    twin = torch.full((len(scenes),), -1)
    pairs = torch.arange(0, 2 * params.people, 2)
    twin[pairs], twin[pairs + 1] = pairs + 1, pairs
    return data_from_scenes(scenes, twin, model)


def data_from_scenes(scenes: list[world.Scene], twin: torch.Tensor, model: Tunable) -> ClipData:
    captions = [s.caption(with_group=False) for s in scenes]
    unique = sorted(set(captions))
    lookup = {c: i for i, c in enumerate(unique)}
    group = [world.GROUPS.index(s.group) if s.group is not None else -1 for s in scenes]
    occupation = [
        world.OCCUPATIONS.index(s.occupation) if s.occupation is not None else -1 for s in scenes
    ]
    return ClipData(
        pixels=render_pixels(model, scenes),
        caption_index=torch.tensor([lookup[c] for c in captions]),
        captions=unique,
        group=torch.tensor(group),
        occupation=torch.tensor(occupation),
        scenes=scenes,
        twin=twin,
    )
