"""Gradient inversion's time rule (``--budget-s``) over the whole task, not per step.

Why: measured on a real-size ViT-B/32, ``--budget-s 60`` ran 195 s. Each image also pays fixed
costs the per-step budget never charged (the victim's gradient, the final matching loss, and on
the first image the two steps that time a step), and each start had a share of the budget that
ignored them. Here the task's B seconds start when its scoring starts (so the prior images, the
measuring and every image's fixed cost are charged); an image's fixed cost is estimated once, on
the first image, like the cost of a step; and each image's steps get what is left after the
fixed costs still to come, shared among the images that remain. An overrun of one image (a slow
step, a fixed cost above its estimate) shrinks the shares of the later ones, so a scan ends
within about one step (and the estimate's error) of B.

A start never stops below ``minimum`` steps by its share (a 1-step attack says little): when
the time left cannot give every remaining image ``minimum`` steps, fewer images are attacked
and the rest are recorded as not attacked, with the budget that would have covered them. Only
the task's own deadline (B) stops a start below ``minimum``: steps that turn slower than
measured (a busier machine).
"""

from __future__ import annotations

from dataclasses import dataclass

from vlmtrust.core.work_budget import left, now


@dataclass
class TaskDeadline:
    """B seconds for a task's ``images``, each paying a fixed cost and its starts' steps."""

    deadline: float
    budget_s: float
    images: int
    #: the fewest steps a start runs before its share may stop it
    minimum: int
    #: one image's fixed cost in seconds (its victim gradient and final loss), from the first
    fixed_s: float | None = None

    @classmethod
    def start(cls, budget_s: float, images: int, minimum: int) -> TaskDeadline:
        return cls(now() + budget_s, budget_s, images, minimum)

    def left(self) -> float:
        """Seconds until the task's deadline (negative once passed)."""
        return left(self.deadline)

    def can_start(self, cost_per_step: float | None) -> bool:
        """Whether an image may still start (compute its victim gradient): the first always
        does (its costs are not known yet); a later one when its fixed cost and one start of
        ``minimum`` steps fit the time left."""
        if self.fixed_s is None or cost_per_step is None:
            return True
        return self.left() >= self.fixed_s + self.minimum * cost_per_step

    def share(self, remaining: int, cost_per_step: float, restarts: int) -> float | None:
        """Seconds for each of ``restarts`` starts of the image being attacked (its victim
        gradient computed), ``remaining`` images left including it: the time left less this
        image's final loss and the fixed costs of as many later images as still fit, shared
        among them; None when not even this image gets ``minimum`` steps a start."""
        fixed = self.fixed_s or 0.0
        for attacked in range(remaining, 0, -1):
            steps_s = (self.left() - fixed / 2 - (attacked - 1) * fixed) / attacked
            if steps_s >= restarts * self.minimum * cost_per_step:
                return steps_s / restarts
        return None

    def needed_s(self, cost_per_step: float) -> float:
        """A budget that gives every image its fixed cost and one start of ``minimum`` steps."""
        return self.images * ((self.fixed_s or 0.0) + self.minimum * cost_per_step)
