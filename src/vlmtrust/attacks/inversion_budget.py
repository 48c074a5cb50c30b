"""How much trigger inversion a model's cost allows: steps and clean images per candidate label
from the measured seconds of one optimisation step, so a scan on a real-size model ends within
its time budget instead of running for hours (issue 27).

The rule keeps today's exact search whenever it fits: only when the full budget (every label x
``steps`` x ``n_images``) is estimated to exceed ``budget_s`` are images cut (down to
``MIN_IMAGES``, and to ``--limit``), then steps (down to ``MIN_STEPS``), and early stopping turned
on. A step's cost is taken as proportional to the images it stamps (measured on all of them),
which overestimates a cut step where a fixed overhead dominates: the safe side.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import torch

#: fewest clean images a cut scan stamps: fewer make "sends >= success of them" a coin flip
MIN_IMAGES = 4
#: fewest Adam steps a cut scan runs per label: the cost schedule needs a few rounds
MIN_STEPS = 10
#: steps a cut scan keeps before it cuts images below ``n_images`` further
PREFERRED_STEPS = 40


@dataclass(frozen=True)
class InversionBudget:
    """What one label's inversion may spend; ``scaled`` says whether anything was cut."""

    steps: int
    n_images: int
    early_stop: bool
    scaled: bool
    #: the seconds this label may take (the task's ``budget_s`` over its labels)
    label_budget_s: float
    #: measured seconds of one step on one image, and the full plan's estimated seconds
    step_s_per_image: float
    full_estimate_s: float

    def record(self) -> dict[str, Any]:
        """The budget as stored in a score's details (rounded: the report shows it)."""
        out = asdict(self)
        for key in ("label_budget_s", "step_s_per_image", "full_estimate_s"):
            out[key] = round(float(out[key]), 4)
        return out


def plan_budget(
    *,
    step_s_per_image: float,
    budget_s: float,
    n_labels: int,
    steps: int,
    n_images: int,
    image_cap: int | None = None,
) -> InversionBudget:
    """Steps and images per label for a measured ``step_s_per_image`` and a task's
    ``budget_s`` shared by ``n_labels``: the full plan when it fits, else images cut first
    (to ``image_cap`` from --limit, then towards ``MIN_IMAGES`` while fewer than
    ``PREFERRED_STEPS`` steps would fit), then steps; early stopping on whenever cut."""
    per_label = budget_s / max(1, n_labels)
    full = n_labels * steps * n_images * step_s_per_image
    if full <= budget_s:
        return InversionBudget(steps, n_images, False, False, per_label, step_s_per_image, full)
    images = max(2, min(n_images, image_cap)) if image_cap else n_images
    images = min(images, max(MIN_IMAGES, int(per_label / (PREFERRED_STEPS * step_s_per_image))))
    images = max(2, min(images, n_images))
    fitting = int(per_label / (images * max(step_s_per_image, 1e-9)))
    cut_steps = max(MIN_STEPS, min(steps, fitting))
    return InversionBudget(cut_steps, images, True, True, per_label, step_s_per_image, full)


def seconds_per_step_image(
    logits_of: Callable[[torch.Tensor], torch.Tensor],
    pixels: torch.Tensor,
    *,
    warm_up: bool = True,
    repeats: int = 2,
) -> float:
    """Seconds of one forward + backward step over ``pixels``, per image: the fastest of
    ``repeats`` timed steps, after one untimed step when ``warm_up`` (first calls pay
    allocation and kernel choice). All the scan's images, not a few scaled up: on a small
    model a step's fixed overhead would make a few-image probe overestimate it 4x."""
    batch = pixels.clone().requires_grad_(True)

    def step() -> float:
        start = time.perf_counter()
        with torch.enable_grad():
            logits = logits_of(batch)
            torch.autograd.grad(logits.logsumexp(dim=1).sum(), [batch])
        return time.perf_counter() - start

    if warm_up:
        step()
    return min(step() for _ in range(repeats)) / len(batch)
