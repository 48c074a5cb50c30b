"""The one immutable run configuration passed to ``run()``; there is no global config."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from vlmtrust.core.images import DEFAULT_MAX_PIXELS
from vlmtrust.core.spec import Spec


class RunConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str = Field(description="model spec, e.g. hf:/path/to/clip or zoo:clip")
    suite: tuple[str, ...] = Field(
        default=(), description="pillar or task names; pillars expand to what the model can run"
    )
    tasks: tuple[Spec, ...] = Field(default=(), description="tasks with explicit parameters")
    mitigations: tuple[str, ...] = Field(
        default=(), description="variants to scan besides the baseline; 'a+b' composes"
    )
    out: Path
    data: Path | None = None
    limit: int | None = Field(default=None, ge=1)
    seed: int = 0
    batch_size: int = Field(default=32, ge=1)
    on_bad_data: Literal["skip", "fail"] = "fail"
    max_image_pixels: int = Field(
        default=DEFAULT_MAX_PIXELS, ge=1, description="refuse bigger images (decompression bombs)"
    )
    executor: Spec = Spec(name="local")
    severity: Path | None = Field(
        default=None, description="TOML file overriding the default severity thresholds"
    )
    show_progress: bool = True
    budget_s: float | None = Field(
        default=None,
        gt=0,
        description="seconds each task with a budget_s parameter may take (expensive scans)",
    )
    recompute: bool = Field(
        default=False,
        description="run every result again, replacing the stored ones, instead of reusing them",
    )
    plan: dict[str, Any] | None = Field(
        default=None, description="the scan plan this scan is part of, kept in its run header"
    )
