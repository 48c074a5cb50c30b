"""World scenes for the trainers that fine-tune on the synthetic world, and their pixels.

One way to draw a trainer's scenes (a seed of the trainer's own: scans use seed 0, so a trainer
never sees the images it is judged on) and one way to turn them into what the model trains on:
the model's own preprocessing (``Tunable.to_pixels``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from vlmtrust.core.capabilities import Tunable
from vlmtrust.data import world


def world_scenes(
    seed: int, family: str, n: int, *, offset: int = 0, text_prob: float = 0.0
) -> list[world.Scene]:
    """Scenes ``offset .. offset + n - 1`` of ``family`` under ``seed``."""
    return [world.scene_for(seed, offset + i, family, text_prob=text_prob) for i in range(n)]


def render_pixels(model: Tunable, scenes: Sequence[world.Scene]) -> torch.Tensor:
    return model.to_pixels([world.render(s) for s in scenes])
