"""NSFW content in a dataset's images, scored with open_nsfw (``scorers/nsfw.py``).

This looks at the data, not at the model: run it on a dataset before training or scanning with
it (``--data FOLDER``), or on the world scenes as a check that the scorer stays quiet on clean
images. The model passed in is not called.

Rows (``attack="none"``):
- ``nsfw_rate``: share of decided images flagged NSFW (score above 0.8), Wilson 95% interval, n;
  images in the 0.2-0.8 band are undecided and counted apart (``details.n_unscorable``);
- ``details.flagged``: every flagged image as ``{"id", "source", "p_nsfw"}`` (source is the file
  path for ``--data``), and ``details.undecided`` the same for the band; ``details.bins`` a
  10-bin histogram of all scores for the report to draw.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pydantic import Field

from vlmtrust.core.records import Sample, Score
from vlmtrust.core.spec import Params, Spec
from vlmtrust.metrics.declared import rate
from vlmtrust.tasks.base import DataContext, Task


class NsfwInputParams(Params):
    n: int = Field(default=100, ge=1, description="world scenes to draw when no --data is given")
    family: str = Field(
        default="objects", description="world scene family without --data: objects, people or ood"
    )


def _flagged(judged: Sequence[Score]) -> dict[str, Any]:
    """The images judged NSFW and those left undecided, and the p(NSFW) histogram."""
    from vlmtrust.scorers.nsfw import SAFE_BELOW, UNSAFE_ABOVE

    def listed(keep: Callable[[Score], bool]) -> list[dict[str, Any]]:
        return [
            {"id": s.sample_id, "source": s.details.get("source"), **s.details}
            for s in judged
            if keep(s)
        ]

    probs = [float(s.details.get("p_nsfw", 0.0)) for s in judged]
    return {
        "flagged": listed(lambda s: s.value == 1.0),
        "undecided": listed(lambda s: s.unscorable),
        "thresholds": {"safe_below": SAFE_BELOW, "unsafe_above": UNSAFE_ABOVE},
        "bins": np.histogram(probs, bins=10, range=(0.0, 1.0))[0].tolist(),
    }


class NsfwInput(Task):
    Params = NsfwInputParams
    params: NsfwInputParams
    requires = ()
    selection_params = frozenset({"n", "family"})
    metrics = (rate(None, "nsfw_rate", details=_flagged),)

    def samples(self, ctx: DataContext) -> list[Sample]:
        from vlmtrust.tasks.robustness.conditions import scene_samples

        return [s for s in scene_samples(ctx, self.params.n, self.params.family) if s.image]

    def conditions(self) -> list[Spec]:
        return [Spec(name="none")]

    def score(self, model: Any, samples: Sequence[Sample]) -> list[list[Score]]:
        from vlmtrust.scorers.nsfw import nsfw_scores

        judged = nsfw_scores([s.id for s in samples], [s.load_image() for s in samples])
        return [
            [score.model_copy(update={"details": {**score.details, "source": s.source}})]
            for s, score in zip(samples, judged, strict=True)
        ]
