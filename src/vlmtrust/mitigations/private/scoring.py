"""What a private-scoring wrapper returns beside the logits, for ``privacy.private_inference``:
per image the logits computed privately and in plaintext, seconds and bytes, and the protocol's
parameters (read by the task through the ``private_scores`` model member)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class PrivateScores:
    """One batch scored privately: rows of ``private`` and ``plain`` are images."""

    private: np.ndarray
    plain: np.ndarray
    seconds: list[float]
    bytes_sent: list[int]
    protocol: dict[str, Any] = field(default_factory=dict)
