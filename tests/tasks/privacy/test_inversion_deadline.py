"""Gradient inversion's task deadline, on a clock the test moves by hand (nothing is timed):
the first image always starts, the fixed costs still to come are reserved before an image's
steps get their share, fewer images are attacked rather than any below its minimum steps, and
an overrun of one image shrinks the shares after it."""

from __future__ import annotations

import pytest

from vlmtrust.core import work_budget
from vlmtrust.tasks.privacy.inversion_deadline import TaskDeadline


class HandClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> HandClock:
    hand = HandClock()
    monkeypatch.setattr(work_budget, "clock", hand)
    return hand


def test_the_first_image_starts_and_later_ones_only_with_a_minimum_attack_left(clock) -> None:
    deadline = TaskDeadline.start(50.0, images=3, minimum=20)
    assert deadline.left() == 50.0 and deadline.can_start(None)  # costs not known yet
    deadline.fixed_s = 2.0
    clock.t += 28.0  # 22 s left: a fixed cost of 2 and 20 one-second steps fit exactly
    assert deadline.can_start(1.0)
    clock.t += 0.5
    assert not deadline.can_start(1.0)
    assert deadline.needed_s(1.0) == 3 * (2.0 + 20 * 1.0)


def test_a_share_reserves_the_fixed_costs_to_come_and_drops_images_before_steps(clock) -> None:
    deadline = TaskDeadline.start(50.0, images=3, minimum=20)
    deadline.fixed_s = 2.0
    clock.t += 3.0  # the first image's victim gradient (1 s) and two timed steps
    # 47 s left, less its final loss (1) and two later images' fixed costs (4): 14 s each is
    # below 20 steps of 1 s, so two images share 47 - 1 - 2 = 44 s
    assert deadline.share(3, 1.0, restarts=1) == pytest.approx(22.0)
    # with steps of 0.25 s all three fit two starts of 20 steps: (47 - 1 - 4) / 3 each, halved
    assert deadline.share(3, 0.25, restarts=2) == pytest.approx(42.0 / 3 / 2)
    assert deadline.share(3, 100.0, restarts=1) is None  # not even this image's 20 steps


def test_an_overrun_shrinks_the_later_shares(clock) -> None:
    deadline = TaskDeadline.start(60.0, images=2, minimum=5)
    deadline.fixed_s = 2.0
    clock.t += 1.0
    planned = deadline.share(2, 1.0, restarts=1)
    assert planned == pytest.approx((59.0 - 1.0 - 2.0) / 2)
    clock.t += (
        planned + 10.0 + 1.0 + 1.0
    )  # its steps ran 10 s over, its final loss, the next victim
    # the second image gets what is left, its final loss reserved: the overrun is paid back
    assert deadline.share(1, 1.0, restarts=1) == pytest.approx(deadline.left() - 1.0)
    assert deadline.share(1, 1.0, restarts=1) < planned
