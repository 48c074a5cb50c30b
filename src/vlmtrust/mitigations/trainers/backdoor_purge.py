"""``backdoor_purge``: unlearn the trigger that trigger inversion recovers (Neural Cleanse's
mitigation, Wang et al. 2019), on zoo:clip's image tower.

The defender does not know the trigger. So: (1) if no ``target`` is given, screen every
candidate label of ``robustness.backdoor_scan`` with a cheap inversion and take the top MAD
anomaly as the suspected target (pass the scan's ``suspected_target`` as ``target`` to skip
this); (2) invert the smallest (mask, pattern) that sends clean scenes to that target; (3)
fine-tune the tower on world scenes with that trigger stamped on a share of every batch while
each scene keeps its *true* caption, so the trigger stops meaning anything.

Why the mask is dilated: the inverted trigger is a handful of pixels of the planted patch (5-8 of
its 64). Unlearning just those left the real patch working (0.96 success); growing the mask by
a ``dilate`` x ``dilate`` window around each pixel, with the inverted pattern, covers the
patch's neighbourhood and removes it (n=200 scan scenes: dilate 5 left 0.06, dilate 7 0.01);
filling the grown region with random noise instead removed nothing (1.0): the pattern matters.
Whether the purge worked is measured with ``robustness.backdoor_trigger`` and re-checked with
``robustness.backdoor_scan``.

On a user's model the clean images are its ``train_data`` rows (an image and a caption each):
the screening and the inversion run on them too, and the candidate labels are ``labels=``, else
the distinct values of ``label_column``, else the distinct captions (at least 3).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from pydantic import Field, field_validator
from torch import nn

from vlmtrust.attacks.trigger_inversion import (
    SHAPE_TEMPLATE,
    InvertedTrigger,
    anomaly_indices,
    candidate_labels,
    invert_trigger,
)
from vlmtrust.core.capabilities import Tunable
from vlmtrust.core.errors import ConfigError
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Params
from vlmtrust.core.threads import torch_threads
from vlmtrust.mitigations.trainers.base import Trainer
from vlmtrust.mitigations.trainers.training.clip_data import ClipDataParams, clip_data
from vlmtrust.mitigations.trainers.training.scenes import render_pixels, world_scenes
from vlmtrust.mitigations.trainers.training.train_data import column

#: scenes the trigger is inverted on: a seed of their own, apart from training and scans (seed 0)
INVERSION_SEED = 7_300_900


class BackdoorPurgeParams(ClipDataParams):
    people: int = Field(default=300, ge=2, description="people scenes (each with its group twin)")
    target: str | None = Field(
        default=None, description="suspected target (a scan's suspected_target); default: screen"
    )
    labels: tuple[str, ...] = Field(
        default=(), description="candidate labels to screen; default: backdoor_scan's"
    )
    screen_images: int = Field(default=8, ge=2, description="scenes per label when screening")
    screen_steps: int = Field(default=60, ge=1, description="inversion steps per label, screening")
    invert_images: int = Field(default=16, ge=2, description="scenes the final trigger must flip")
    invert_steps: int = Field(default=100, ge=1, description="inversion steps of the final trigger")
    invert_success: float = Field(
        default=0.9, gt=0, le=1, description="share of invert_images the final trigger must flip"
    )
    dilate: int = Field(default=7, ge=1, description="odd kernel growing the inverted mask")
    stamp_share: float = Field(default=0.25, gt=0, le=1, description="stamped share of a batch")
    steps: int = Field(default=80, ge=1, description="Adam steps unlearning the trigger")
    lr: float = Field(default=1e-3, gt=0, description="Adam learning rate of the tower")
    batch_size: int = Field(default=64, ge=2, description="scenes per step (stamp_share stamped)")

    @field_validator("dilate")
    @classmethod
    def _odd(cls, value: int) -> int:
        if value % 2 == 0:
            raise ValueError("dilate must be odd (a window centred on each pixel)")
        return value


class BackdoorPurge(Trainer):
    """Tunes the whole image tower (batch-norm statistics stay the base model's)."""

    Params: ClassVar[type[Params]] = BackdoorPurgeParams
    requires: ClassVar[tuple[str, ...]] = ("Classifier", "Differentiable")
    roles: ClassVar[tuple[str, ...]] = ("image_tower",)

    def fit(self, model: Any, out: Path) -> Mapping[str, Any]:
        params = self.params
        assert isinstance(params, BackdoorPurgeParams)
        rows = self.train_rows() if params.train_data is not None else None
        with torch_threads(1):
            clean = _Clean(model, rows)
            labels = self._candidates(params, rows)
            target, screen = self._suspect(model, labels, params, clean)
            pixels = clean.pixels(params.invert_images, offset=1000)
            trigger = invert_trigger(
                lambda x: model.pixel_logits(x, labels),
                pixels,
                labels.index(target),
                steps=params.invert_steps,
                success=params.invert_success,
            )
            if trigger is None:
                raise ConfigError(
                    f"no small trigger sends scenes to {target!r}: nothing to purge",
                    "check the scan's suspected target, or raise invert_steps",
                )
            tower, loss = self._unlearn(model, trigger, params, rows)
        model.save_delta(out, {"image_tower": tower})
        return {
            "target": target,
            "target_from": "param" if params.target else "screen",
            "screen": screen,
            "trigger_mask_l1": round(trigger.mask_l1, 3),
            "trigger_success": trigger.success,
            "final_loss": round(loss, 4),
        }

    def _candidates(self, params: BackdoorPurgeParams, rows: Sequence[Sample] | None) -> list[str]:
        given = tuple(params.labels)
        if not given and rows is not None:
            classes = [column(row, params.label_column) for row in rows]
            if len(set(classes) - {""}) < 3:
                classes = [column(row, "caption") for row in rows]
            given = tuple(sorted(set(classes) - {""}))
        labels = list(candidate_labels(given, None, SHAPE_TEMPLATE))
        if params.target is not None and params.target not in labels:
            labels.append(params.target)
        return labels

    def _suspect(
        self, model: Any, labels: list[str], params: BackdoorPurgeParams, clean: _Clean
    ) -> tuple[str, dict[str, float]]:
        """The given target, or the top MAD anomaly of a cheap per-label inversion (log norms,
        as the scan's default)."""
        if params.target is not None:
            return params.target, {}
        pixels = clean.pixels(params.screen_images, offset=0)
        norms = []
        for candidate in range(len(labels)):
            found = invert_trigger(
                lambda x: model.pixel_logits(x, labels),
                pixels,
                candidate,
                steps=params.screen_steps,
                success=params.invert_success,
            )
            norms.append(found.mask_l1 if found is not None else float(pixels[0, 0].numel()))
        index = anomaly_indices(np.log(np.maximum(np.array(norms), 1e-6)))
        screen = dict(zip(labels, np.round(index, 3).tolist(), strict=True))
        return labels[int(np.argmax(index))], screen

    def _unlearn(
        self,
        model: Any,
        trigger: InvertedTrigger,
        params: BackdoorPurgeParams,
        rows: Sequence[Sample] | None,
    ) -> tuple[torch.nn.Module, float]:
        torch.manual_seed(params.seed)
        data = clip_data(params, model, rows)
        tower = copy.deepcopy(model.module("image_tower"))
        tower.eval()  # batch-norm statistics stay those of the base model
        for p in tower.parameters():
            p.requires_grad_(True)
        bank = model.text_targets(data.captions)
        scale = model.logit_scale()
        optimiser = torch.optim.Adam(tower.parameters(), params.lr)
        generator = torch.Generator().manual_seed(params.seed)
        stamped = max(1, round(params.batch_size * params.stamp_share))
        loss_value = 0.0
        for _ in range(params.steps):
            picked = torch.randint(len(data.pixels), (params.batch_size,), generator=generator)
            pixels = data.pixels[picked].clone()
            pixels[:stamped] = trigger.stamp(pixels[:stamped], params.dilate)
            embedding = tower(pixels)[0]
            loss = nn.functional.cross_entropy(
                scale * embedding @ bank.T, data.caption_index[picked]
            )
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            loss_value = float(loss.detach())
        for p in tower.parameters():
            p.requires_grad_(False)
        return tower, loss_value


class _Clean:
    """Clean images the defender screens and inverts on: object scenes of its own seed (not
    the scans'), or the user's rows (the first ``n`` to screen, the last ``n`` to invert)."""

    def __init__(self, model: Tunable, rows: Sequence[Sample] | None) -> None:
        self.model, self.rows = model, rows

    def pixels(self, n: int, offset: int) -> torch.Tensor:
        if self.rows is None:
            scenes = world_scenes(INVERSION_SEED, "objects", n, offset=offset)
            return render_pixels(self.model, scenes)
        picked = self.rows[:n] if offset == 0 else self.rows[-n:]
        return self.model.to_pixels([row.load_image() for row in picked])
