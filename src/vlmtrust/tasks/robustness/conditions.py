"""What the robustness tasks share: clean + corrupted conditions, and accuracy rows that also
report each corruption's drop from clean."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field

from vlmtrust.core.records import MetricRow, Sample, Score
from vlmtrust.core.spec import Params, Spec
from vlmtrust.data.source import Scenes
from vlmtrust.metrics.rates import Estimate, accuracy, accuracy_drop
from vlmtrust.tasks.base import DataContext
from vlmtrust.tasks.robustness.corruption_error import mean_corruption_error

CLEAN = Spec(name="none")
DEFAULT_CORRUPTIONS = ("gaussian_noise", "gaussian_blur", "jpeg", "contrast")


class CorruptionParams(Params):
    corruptions: tuple[str, ...] = DEFAULT_CORRUPTIONS
    severity: int = Field(default=3, ge=1, le=5)


CONDITION_PARAMS = frozenset({"corruptions", "severity"})


def corruption_conditions(params: CorruptionParams) -> list[Spec]:
    corrupted = [
        Spec(name=f"corruption.{c}", params={"severity": params.severity})
        for c in params.corruptions
    ]
    return [CLEAN, *corrupted]


def accuracy_rows(
    task: str,
    scores: Mapping[str, Sequence[Score]],
    mitigation: str,
    model: str,
    details: dict[str, Any],
) -> list[MetricRow]:
    """Accuracy per condition, and for every corrupted one its drop from clean."""

    def row(attack: str, metric: str, est: Estimate) -> MetricRow:
        return est.as_row(
            task=task,
            attack=attack,
            mitigation=mitigation,
            metric=metric,
            model=model,
            details={**details, "n_unscorable": est.n_unscorable},
        )

    clean = list(scores.get(CLEAN.label(), ()))
    rows: list[MetricRow] = []
    for attack, attacked in scores.items():
        rows.append(row(attack, "accuracy", accuracy(attacked)))
        if attack != CLEAN.label() and clean:
            rows.append(row(attack, "accuracy_drop", accuracy_drop(clean, attacked)))
    return rows + mean_corruption_error(task, scores, mitigation, model, details)


def scene_samples(ctx: DataContext, n: int, family: str) -> list[Sample]:
    """``n`` labelled scenes of ``family`` (capped by --limit) from the run's source; a user's
    dataset answers with all its samples (those without the needed label score unscorable)."""
    return ctx.samples(Scenes(n=ctx.cap(n), family=family))
