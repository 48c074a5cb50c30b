"""Training data shared by the dual-encoder fairness and purge trainers (``dear``, ``resample``,
``backdoor_purge``): world scenes for zoo models, the user's ``train_data`` rows otherwise.

People scenes are drawn 50/50 across groups in every occupation (the planted correlation is the
thing to remove, so it must not be re-taught) and each is rendered twice, once per group (its
counterfactual twin), with the occupation's prop out of frame in a share
of them, as in the organism's own training; object scenes are replayed so shape zero-shot holds.
Captions never name the group, like the organism's. The seed is the mitigation's own: scans use
seed 0 and held-out twins other seeds, so a trainer never sees the images it is judged on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from pydantic import Field

from vlmtrust.core.capabilities import Tunable
from vlmtrust.core.errors import DataError
from vlmtrust.core.records import Sample
from vlmtrust.data import world
from vlmtrust.data.world.flaws import FAIR_GROUPS
from vlmtrust.mitigations.trainers.training.scenes import render_pixels, world_scenes
from vlmtrust.mitigations.trainers.training.train_data import TrainDataParams, column


class ClipDataParams(TrainDataParams):
    people: int = Field(
        default=600, ge=2, description="people scenes, each also rendered as its group twin"
    )
    objects: int = Field(default=600, ge=0, description="object scenes replayed for shapes")
    hidden_prop_share: float = Field(
        default=0.3, ge=0.0, le=1.0, description="share of people scenes with the prop out of frame"
    )
    seed: int = Field(default=7_300_001, description="world seed of the training scenes")
    group_column: str = Field(
        default="group", description="train_data: the column naming each row's group"
    )
    label_column: str = Field(
        default="label", description="train_data: the column naming each row's class"
    )


@dataclass
class ClipData:
    """Rendered training scenes (pixels in [0, 1], 64 px), each with its caption index into
    ``captions``; ``group`` / ``occupation`` / ``twin`` (the index of the same scene rendered
    with the other group) are -1 on object scenes. ``groups`` and ``occupations`` name the
    group and occupation indices (the world's, or the values found in the user's columns);
    ``scenes`` is empty for user rows, which have no twins (``twin`` all -1)."""

    pixels: torch.Tensor
    caption_index: torch.Tensor
    captions: list[str]
    group: torch.Tensor
    occupation: torch.Tensor
    scenes: list[world.Scene]
    twin: torch.Tensor
    groups: tuple[str, ...] = tuple(world.GROUPS)
    occupations: tuple[str, ...] = tuple(world.OCCUPATIONS)

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


def data_from_samples(
    samples: Sequence[Sample], model: Tunable, params: ClipDataParams, chunk: int = 64
) -> ClipData:
    """The user's rows (an image and a caption each), with the model's preprocessing; a row's
    group and class come from ``group_column`` / ``label_column`` where it has them (-1 where
    it has not: it then trains the captions only, like the world's object scenes)."""
    captions = [column(s, "caption") for s in samples]
    unique = sorted(set(captions))
    lookup = {c: i for i, c in enumerate(unique)}
    group_values = [column(s, params.group_column) for s in samples]
    label_values = [column(s, params.label_column) for s in samples]
    groups = tuple(sorted({g for g in group_values if g}))
    occupations = tuple(sorted({o for o in label_values if o}))
    pixels = [
        model.to_pixels([s.load_image() for s in samples[i : i + chunk]])
        for i in range(0, len(samples), chunk)
    ]
    return ClipData(
        pixels=torch.cat(pixels),
        caption_index=torch.tensor([lookup[c] for c in captions]),
        captions=unique,
        group=torch.tensor([groups.index(g) if g else -1 for g in group_values]),
        occupation=torch.tensor([occupations.index(o) if o else -1 for o in label_values]),
        scenes=[],
        twin=torch.full((len(samples),), -1),
        groups=groups,
        occupations=occupations,
    )


def clip_data(params: ClipDataParams, model: Tunable, rows: Sequence[Sample] | None) -> ClipData:
    """World scenes when the trainer has no ``train_data`` rows (zoo models), else the rows."""
    if rows is None:
        return build_clip_data(params, model)
    return data_from_samples(rows, model, params)


def require_two_groups(rows: Sequence[Sample], group_column: str, trainer: str) -> None:
    """A group debiaser learns what tells the groups apart: the user's rows must hold two."""
    groups = {column(row, group_column) for row in rows} - {""}
    if len(groups) < 2:
        raise DataError(
            f"{trainer} needs train_data rows of at least two groups in column "
            f"{group_column!r}, found {len(groups)}",
            "add rows of other groups, or name the group column with group_column=",
        )
