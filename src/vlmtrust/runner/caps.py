"""Which cap set a task's sample count: ``--limit``, the task's own ``n`` or the data
source's size. A limit above what a task draws is otherwise silently lost, so the scan names
the cap that applied and how to raise it, and the run header records all of them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from vlmtrust.core.spec import Spec
from vlmtrust.data.source import DataSummary

CappedBy = Literal["task n", "data source", "task"]


@dataclass(frozen=True)
class SampleCap:
    """One task's sample count and the caps that could have set it."""

    task: str
    spec: Spec
    used: int
    limit: int | None
    task_n: int | None
    source: str | None
    source_size: int | None

    @property
    def capped_by(self) -> CappedBy | None:
        """What held the count below --limit (None: no --limit, or the limit applied)."""
        if self.limit is None or self.used >= self.limit:
            return None
        if self.task_n is not None and self.used == self.task_n:
            return "task n"
        if self.source_size is not None and self.source_size < self.limit:
            return "data source"
        return "task"

    def message(self) -> str | None:
        """One line naming the cap that won over --limit and how to raise it (None if none)."""
        by = self.capped_by
        if by is None:
            return None
        head = f"{self.task}: {self.used} samples"
        if by == "task n":
            raised = Spec(name=self.spec.name, params={**self.spec.params, "n": self.limit})
            fix = f"pass --task {_cli(raised)}"
            return f"{head} (its n={self.task_n} caps --limit {self.limit}; {fix})"
        if by == "data source":
            return (
                f"{head} (the data source {self.source} holds {self.source_size}, "
                f"below --limit {self.limit}; add data to raise it)"
            )
        return (
            f"{head} (the task draws no more than that from its parameters; --limit {self.limit})"
        )

    def header_entry(self) -> dict[str, Any]:
        return {
            "limit": self.limit,
            "task_n": self.task_n,
            "source_size": self.source_size,
            "used": self.used,
            "capped_by": self.capped_by,
        }


def sample_caps(
    counts: Iterable[tuple[str, Spec, object, int]],
    limit: int | None,
    summary: DataSummary | None,
) -> list[SampleCap]:
    """The caps of each task, given as (label, spec as asked, resolved params, sample count):
    its ``n`` parameter if it has one, the source's size if it has a copy to count (the world
    generates its data: no size). One entry per task label."""
    caps: dict[str, SampleCap] = {}
    for label, spec, params, used in counts:
        n = getattr(params, "n", None)
        caps.setdefault(
            label,
            SampleCap(
                task=label,
                spec=spec,
                used=used,
                limit=limit,
                task_n=n if isinstance(n, int) and not isinstance(n, bool) else None,
                source=summary.name if summary is not None else None,
                source_size=summary.size if summary is not None else None,
            ),
        )
    return list(caps.values())


def header_caps(caps: Sequence[SampleCap]) -> dict[str, dict[str, Any]]:
    return {cap.task: cap.header_entry() for cap in caps}


def _cli(spec: Spec) -> str:
    """A spec as --task takes it: ``name:key=value,...``."""
    parts = [f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in spec.params.items()]
    return f"{spec.name}:{','.join(parts)}" if parts else spec.name
