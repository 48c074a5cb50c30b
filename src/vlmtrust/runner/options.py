"""Every option of a scan in one frozen model: ``vlmtrust scan``, :func:`vlmtrust.scan` and each
scan of a plan file build a :class:`ScanOptions` and call :meth:`ScanOptions.run_config`, so an
option is spelled once and means the same in all three. It sits in the runner (not the API)
because a plan's expansion builds it too, and the runner may not import the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from vlmtrust.core.config import RunConfig
from vlmtrust.core.images import DEFAULT_MAX_PIXELS
from vlmtrust.core.spec import Spec, parse_spec, split_variants

#: which number a gate compares (``--gate-bound``)
GateBoundName = Literal["conservative", "upper", "lower", "point"]


class ScanOptions(BaseModel):
    """The options of one scan, as the CLI, the API and a plan pass them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str
    out: Path
    #: pillars or task names; an entry may hold several, comma-separated (the CLI's text)
    suite: tuple[str, ...] = ()
    #: task specs, ``name:key=value,...`` as ``--task`` takes them, or parsed specs (a plan)
    tasks: tuple[str | Spec, ...] = ()
    #: mitigation variants, ``a+b`` composing two; an entry may hold several (``--mitigate``)
    mitigate: tuple[str, ...] = ()
    data: Path | None = None
    limit: int | None = Field(default=None, ge=1)
    seed: int = 0
    batch_size: int = Field(default=32, ge=1)
    on_bad_data: Literal["skip", "fail"] = "fail"
    max_image_pixels: int = Field(default=DEFAULT_MAX_PIXELS, ge=1)
    severity: Path | None = None
    executor: str = "local"
    #: HOST:PORT of a running Ray cluster (``executor="ray..."`` only)
    address: str | None = None
    fail_on: tuple[str, ...] = ()
    gate_bound: GateBoundName = "conservative"
    baseline: Path | None = None
    quiet: bool = False
    #: opt-in wall time (seconds) each expensive task may take; None: its work budget (FLOPs)
    budget_s: float | None = Field(default=None, gt=0)
    #: run every result again and replace the stored ones (a reproducibility check)
    recompute: bool = False
    #: the scan plan this scan belongs to (kept in its run header); None outside a plan
    plan: dict[str, Any] | None = None

    def run_config(self) -> RunConfig:
        """The one immutable ``RunConfig`` the runner takes (specs parsed here, so a bad one
        fails before anything runs)."""
        from vlmtrust.runner.executor import executor_spec

        return RunConfig(
            model=self.model,
            suite=tuple(part for text in self.suite for part in text.split(",")),
            tasks=tuple(t if isinstance(t, Spec) else parse_spec(t) for t in self.tasks),
            mitigations=tuple(part for text in self.mitigate for part in split_variants(text)),
            out=self.out,
            data=self.data,
            limit=self.limit,
            seed=self.seed,
            batch_size=self.batch_size,
            on_bad_data=self.on_bad_data,
            max_image_pixels=self.max_image_pixels,
            executor=executor_spec(self.executor, self.address),
            show_progress=not self.quiet,
            severity=self.severity,
            plan=dict(self.plan) if self.plan is not None else None,
            budget_s=self.budget_s,
            recompute=self.recompute,
        )
