"""How much trigger inversion a model's cost allows: steps and clean images per candidate label,
so a scan on a real-size model ends in minutes instead of hours (issue 27).

Two rules, one planner (:func:`plan_budget`, a pure function of a cost per image-step and a
budget in the same unit):

- **work** (the default): the cost is the FLOPs of one forward + backward step on one image,
  counted once with ``torch.utils.flop_counter`` (:func:`flops_per_image_step`). It depends only
  on the model and the image size, so the same model is cut the same way on any machine and
  under any load: zoo results (and the goldens) cannot flake with the machine's load.
- **time** (opt-in, ``--budget-s``): the cost is the measured seconds of a step
  (:func:`seconds_per_step_image`), so the scan fits a wall-time budget on this machine; a
  deadline then also stops a label's search when its share of the time is spent.

Either rule keeps today's exact search whenever it fits: only when the full search (every label x
``steps`` x ``n_images``) exceeds the budget are images cut (down to ``MIN_IMAGES``, and to
``--limit``), then steps (down to ``MIN_STEPS``), and early stopping turned on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import torch

# re-exported: the trigger scans import the shared default and units from here
from vlmtrust.core.work_budget import DEFAULT_WORK_FLOPS as DEFAULT_WORK_FLOPS
from vlmtrust.core.work_budget import UNITS as UNITS
from vlmtrust.core.work_budget import Rule, count_flops, plan_units

#: fewest clean images a cut scan stamps: fewer make "sends >= success of them" a coin flip
MIN_IMAGES = 4
#: fewest Adam steps a cut scan runs per label: the cost schedule needs a few rounds
MIN_STEPS = 10
#: steps a cut scan keeps before it cuts images below ``n_images`` further
PREFERRED_STEPS = 40

# The default work budget (core.work_budget.DEFAULT_WORK_FLOPS, shared by every budgeted
# task) was chosen from counted costs at the default parameters: the largest zoo search is
# zoo:assistant's caption scan (13 captions x 60 steps x 8 images x 2.50e9 = 1.56e13),
# zoo:clip's is 5.2e12 (16 x 150 x 16 x 1.36e8), so every zoo model keeps its full search;
# a ViT-B/32 CLIP at 224 px costs 1.75e10 per image-step (full search 6.7e14, hours on CPU)
# and is cut to 16 labels x 4 images x 17 steps, a few minutes on 2 cores.


@dataclass(frozen=True)
class InversionBudget:
    """What one label's inversion may spend; ``scaled`` says whether anything was cut."""

    steps: int
    n_images: int
    early_stop: bool
    scaled: bool
    #: ``"work"`` (FLOPs, the default) or ``"time"`` (seconds, ``--budget-s``)
    rule: Rule
    #: the whole scan's budget, and the share of one label, in the rule's unit
    budget: float
    label_budget: float
    #: the cost of one step on one image, and the full search's estimated cost
    cost_per_image_step: float
    full_estimate: float

    def record(self) -> dict[str, Any]:
        """The budget as stored in a score's details (3 significant digits: the report shows
        it; FLOPs are exact counts, seconds a measurement)."""
        out = asdict(self)
        for key in ("budget", "label_budget", "cost_per_image_step", "full_estimate"):
            out[key] = float(f"{float(out[key]):.4g}")
        out["unit"] = UNITS[self.rule]
        return out


def plan_budget(
    *,
    cost_per_image_step: float,
    budget: float,
    n_labels: int,
    steps: int,
    n_images: int,
    image_cap: int | None = None,
    rule: Rule = "work",
) -> InversionBudget:
    """Steps and images per label for a ``cost_per_image_step`` and a scan's ``budget`` (same
    unit) shared by ``n_labels``: the full plan when it fits, else images cut first (to
    ``image_cap`` from --limit, then towards ``MIN_IMAGES`` while fewer than
    ``PREFERRED_STEPS`` steps would fit), then steps; early stopping on whenever cut."""
    per_label = budget / max(1, n_labels)
    full = n_labels * steps * n_images * cost_per_image_step
    if full <= budget:
        return InversionBudget(
            steps, n_images, False, False, rule, budget, per_label, cost_per_image_step, full
        )
    cost = max(cost_per_image_step, 1e-12)
    images = max(2, min(n_images, image_cap)) if image_cap else n_images
    images = min(images, max(MIN_IMAGES, int(per_label / (PREFERRED_STEPS * cost))))
    images = max(2, min(images, n_images))
    cut_steps = plan_units(
        what="steps",
        cost_per_unit=images * cost,
        planned=steps,
        budget=per_label,
        minimum=MIN_STEPS,
        rule=rule,
    ).units
    return InversionBudget(
        cut_steps, images, True, True, rule, budget, per_label, cost_per_image_step, full
    )


def flops_per_image_step(
    logits_of: Callable[[torch.Tensor], torch.Tensor], pixels: torch.Tensor
) -> float:
    """FLOPs of one forward + backward step on the first image of ``pixels`` (the work rule's
    cost): counted, not timed, so the same on any machine. One untimed call first fills the
    model's caches (text embeddings), which a real step would not recompute."""
    one = pixels[:1]
    with torch.no_grad():
        logits_of(one)
    leaf = one.clone().requires_grad_(True)

    def step() -> None:
        with torch.enable_grad():
            # autograd.grad on a leaf is not supported under the counter: differentiate a copy
            batch = leaf * 1.0
            logits = logits_of(batch)
            torch.autograd.grad(logits.logsumexp(dim=1).sum(), [batch])

    return count_flops(step)


def seconds_per_step_image(
    logits_of: Callable[[torch.Tensor], torch.Tensor],
    pixels: torch.Tensor,
    *,
    warm_up: bool = True,
    repeats: int = 2,
) -> float:
    """Seconds of one forward + backward step over ``pixels``, per image (the time rule's
    cost): the fastest of ``repeats`` timed steps, after one untimed step when ``warm_up``
    (first calls pay allocation and kernel choice). All the scan's images, not a few scaled
    up: on a small model a step's fixed overhead would make a few-image probe overestimate."""
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
