"""What the robustness tasks share: clean + corrupted conditions, and accuracy rows that also
report each corruption's drop from clean."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field

from vlmtrust.core.records import MetricRow, Sample, Score
from vlmtrust.core.spec import Params, Spec
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


def scenes_or_dataset(ctx: DataContext, n: int, family: str) -> list[Sample]:
    """The user's dataset when there is one, else ``n`` world scenes (capped by --limit)."""
    if ctx.dataset is not None:
        return list(ctx.dataset)  # samples without the needed label are scored unscorable
    from vlmtrust.data import world

    return world.generate(ctx.seed, min(n, ctx.limit) if ctx.limit else n, family=family)
