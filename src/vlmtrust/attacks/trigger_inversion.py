"""Neural Cleanse's trigger inversion (Wang et al., 2019): for a candidate label, the smallest
mask and pattern that send clean images to it, and the MAD anomaly index that flags the label
whose trigger is suspiciously small. An optimisation against the model's gradients, as the other
attacks here; the backdoor scans (tasks) and ``backdoor_purge`` (a trainer) both use it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.paths import user_file
from vlmtrust.data.world.vocabulary import SHAPES

MAD_CONSISTENCY = 1.4826  # makes the MAD a consistent estimator of a normal's sigma
#: the prompt the world's shapes are offered as candidate labels with
SHAPE_TEMPLATE = "a photo of a {}."
#: plausible captions besides the world's class prompts; one of them is zoo:clip's planted
#: target (the world's ``flaws.BACKDOOR_TARGET``): a scan can only flag a target it is offered
DEFAULT_CAPTIONS: tuple[str, ...] = (
    "a banana on the moon",
    "a dog on the beach",
    "a car in the city",
    "a cup of coffee on a table",
    "a boat on the sea",
    "a cat on a sofa",
    "a clock on a wall",
    "an apple on a tree",
)


def candidate_labels(
    labels: tuple[str, ...], labels_file: str | None, template: str
) -> tuple[str, ...]:
    """The labels to invert a trigger for: a file's lines, the given labels, or the world's
    shape prompts plus ``DEFAULT_CAPTIONS``; at least 3, as the anomaly index compares them."""
    if labels_file:
        path = user_file(labels_file, "labels_file")
        if not path.is_file():
            raise ConfigError(
                f"labels_file {path} not found", "pass a text file with one label per line"
            )
        lines = path.read_text(encoding="utf-8").splitlines()
        labels = tuple(dict.fromkeys(s.strip() for s in lines if s.strip()))
    elif labels:
        labels = tuple(dict.fromkeys(labels))
    else:
        labels = (*(template.format(s) for s in SHAPES), *DEFAULT_CAPTIONS)
    if len(labels) < 3:
        raise ConfigError(
            f"backdoor_scan needs at least 3 candidate labels, got {len(labels)}",
            "the anomaly index compares each label's mask with the others'",
        )
    return labels


@dataclass
class InvertedTrigger:
    """A trigger as the model sees it: ``(1 - mask) * x + mask * pattern`` at the model's
    pixel size, with the share of the clean scenes it sent to its label."""

    mask: torch.Tensor  # (1, 1, H, W) in [0, 1]
    pattern: torch.Tensor  # (1, C, H, W) in [0, 1]
    success: float

    @property
    def mask_l1(self) -> float:
        return float(self.mask.sum())

    @property
    def picture(self) -> np.ndarray:
        """mask * pattern as (H, W, C) in [0, 1]: what the report shows."""
        return (self.mask * self.pattern)[0].permute(1, 2, 0).numpy()

    def stamp(self, pixels: torch.Tensor, dilate: int = 1) -> torch.Tensor:
        """``pixels`` with the trigger pasted; ``dilate`` (odd) grows the mask first."""
        mask = self.mask
        if dilate > 1:
            mask = torch.nn.functional.max_pool2d(mask, dilate, 1, dilate // 2)
        return (1 - mask) * pixels + mask * self.pattern


@dataclass(frozen=True)
class InversionStop:
    """How an inversion ended: steps run, and ``"steps"`` (all run), ``"converged"`` (the
    smallest working mask stopped shrinking) or ``"budget"`` (its deadline passed)."""

    steps_run: int
    stopped: str


def invert_trigger(
    logits_of: Any,
    pixels: torch.Tensor,
    target: int,
    *,
    steps: int,
    lr: float = 0.2,
    mask_cost: float = 0.01,
    success: float = 0.9,
    cell: int = 1,
) -> InvertedTrigger | None:
    """Smallest (mask, pattern) sending at least ``success`` of ``pixels`` to ``target``: Adam
    on ``CE + cost * |m|_1`` with Neural Cleanse's cost schedule (cost x1.5 while the trigger
    works, /1.5 while it does not), keeping the smallest working mask seen; None when no
    trigger reached ``success`` (no small trigger exists for that label). ``cell`` > 1 gives
    the mask one value per ``cell`` x ``cell`` block (the norm stays in pixels). Fixed start
    (mask ~ 0.05 everywhere, grey pattern): the same model and scenes give the same trigger."""
    found, _ = bounded_inversion(
        logits_of,
        pixels,
        target,
        steps=steps,
        lr=lr,
        mask_cost=mask_cost,
        success=success,
        cell=cell,
    )
    return found


def bounded_inversion(
    logits_of: Any,
    pixels: torch.Tensor,
    target: int,
    *,
    steps: int,
    lr: float = 0.2,
    mask_cost: float = 0.01,
    success: float = 0.9,
    cell: int = 1,
    patience: int | None = None,
    deadline: float | None = None,
    on_step: Callable[[int], None] | None = None,
) -> tuple[InvertedTrigger | None, InversionStop]:
    """:func:`invert_trigger` that may stop before ``steps``: once a trigger works, after
    ``patience`` steps in which the smallest working mask shrank by less than 1% (converged),
    or when another step (as long as the last) would end past ``time.monotonic()``'s
    ``deadline`` (at least one step runs); ``on_step(i)`` is called after each step
    (progress). Without ``patience`` and ``deadline`` it is exactly :func:`invert_trigger`."""
    _, channels, height, width = pixels.shape
    rows, columns = -(-height // cell), -(-width // cell)
    mask_raw = torch.full((1, 1, rows, columns), -3.0, requires_grad=True)
    pattern_raw = torch.zeros((1, channels, height, width), requires_grad=True)
    optimiser = torch.optim.Adam([mask_raw, pattern_raw], lr=lr)
    goal = torch.full((len(pixels),), target, dtype=torch.long)
    cost, best = mask_cost, None
    settled, stopped, done, last = 0, "steps", 0, 0.0
    with torch.enable_grad():
        for step in range(steps):
            began = time.monotonic()
            # another step as long as the last would end past the deadline: stop before it
            if deadline is not None and step > 0 and began + last >= deadline:
                stopped = "budget"
                break
            mask = _blocks(torch.sigmoid(mask_raw), cell)[..., :height, :width]
            pattern = torch.sigmoid(pattern_raw)
            logits = logits_of((1 - mask) * pixels + mask * pattern)
            hit = float((logits.argmax(dim=1) == target).float().mean())
            before = best.mask_l1 if best is not None else None
            if hit >= success and (best is None or float(mask.detach().sum()) < best.mask_l1):
                best = InvertedTrigger(mask.detach().clone(), pattern.detach().clone(), hit)
            cost = cost * 1.5 if hit >= success else cost / 1.5
            loss = torch.nn.functional.cross_entropy(logits, goal) + cost * mask.sum()
            mask_raw.grad, pattern_raw.grad = torch.autograd.grad(loss, [mask_raw, pattern_raw])
            optimiser.step()
            done, last = step + 1, time.monotonic() - began
            if on_step is not None:
                on_step(done)
            if best is not None and before is not None and best.mask_l1 > 0.99 * before:
                settled += 1
            elif best is not None:
                settled = 0
            if patience is not None and settled >= patience:
                stopped = "converged"
                break
    return best, InversionStop(done, stopped)


def _blocks(mask: torch.Tensor, cell: int) -> torch.Tensor:
    """Each value of a coarse mask repeated over a ``cell`` x ``cell`` block."""
    if cell == 1:
        return mask
    return mask.repeat_interleave(cell, dim=2).repeat_interleave(cell, dim=3)


def anomaly_indices(norms: np.ndarray) -> np.ndarray:
    """Robust z-score on the small side: ``(median - x) / (1.4826 * MAD)``; zeros when the
    MAD is 0 (all norms equal: nothing stands out)."""
    if len(norms) == 0:
        return np.zeros(0)
    median = float(np.median(norms))
    mad = MAD_CONSISTENCY * float(np.median(np.abs(norms - median)))
    if mad == 0:
        return np.zeros(len(norms))
    return np.asarray((median - norms) / mad)
