"""The review's four pillars, and the one rule that places a task in one: its name's prefix
(``robustness.zero_shot`` is robustness), so a plugin cannot claim a pillar its name contradicts."""

from __future__ import annotations

from typing import Final

PILLARS: Final = ("privacy", "fairness", "robustness", "safety")


def pillar_of(task: str) -> str:
    """``privacy`` for ``privacy.memorization``."""
    return task.split(".", 1)[0]
