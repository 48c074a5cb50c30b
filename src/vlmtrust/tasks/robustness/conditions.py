"""What the robustness tasks share: clean + corrupted conditions, and accuracy metrics that
also report each corruption's drop from clean."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Params, Spec
from vlmtrust.data.source import Scenes
from vlmtrust.metrics.declared import Declared, custom, drop_from_clean, rate
from vlmtrust.tasks.base import DataContext
from vlmtrust.tasks.robustness.corruption_error import MEAN_CORRUPTION_ERROR

CLEAN = Spec(name="none")
DEFAULT_CORRUPTIONS = ("gaussian_noise", "gaussian_blur", "jpeg", "contrast")


class CorruptionParams(Params):
    corruptions: tuple[str, ...] = Field(
        default=DEFAULT_CORRUPTIONS,
        description="corruptions run beside the clean images, one condition each (corruption.NAME)",
    )
    severity: int = Field(
        default=3, ge=1, le=5, description="ImageNet-C severity of every corruption, 1 to 5"
    )


CONDITION_PARAMS = frozenset({"corruptions", "severity"})
#: what ``corruptions`` and ``severity`` say in a task that runs no corruption
UNUSED_HERE = "unused: this task scores clean images and its own attack only"


def corruption_conditions(params: CorruptionParams, severities: Sequence[int] = ()) -> list[Spec]:
    """Clean, then each corruption at each of ``severities`` (default: ``params.severity``)."""
    corrupted = [
        Spec(name=f"corruption.{c}", params={"severity": s})
        for c in params.corruptions
        for s in (severities or (params.severity,))
    ]
    return [CLEAN, *corrupted]


ACCURACY = rate("correct", "accuracy")
#: accuracy per condition, every corrupted condition's drop from clean, and the mean
#: corruption error over them
ACCURACY_METRICS: tuple[Declared, ...] = (
    ACCURACY,
    drop_from_clean(ACCURACY),
    custom(MEAN_CORRUPTION_ERROR),
)


def scene_samples(ctx: DataContext, n: int, family: str) -> list[Sample]:
    """``n`` labelled scenes of ``family`` (capped by --limit) from the run's source; a user's
    dataset answers with all its samples (those without the needed label score unscorable)."""
    return ctx.samples(scene_request(ctx, n, family))


def scene_request(ctx: DataContext, n: int, family: str) -> Scenes:
    """What ``scene_samples`` asks the run's source for (seeded with the run's seed)."""
    return ctx.seeded(Scenes(n=ctx.cap(n), family=family))
