"""Option texts -> one ``RunConfig``: what ``vlmtrust scan`` and ``vlmtrust run plan.toml`` both
build, so the two read ``--suite``, ``--task`` and ``--mitigate`` by the same rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from vlmtrust.core.config import RunConfig
from vlmtrust.core.images import DEFAULT_MAX_PIXELS
from vlmtrust.core.spec import Spec, parse_spec, split_variants


def scan_config(
    *,
    model: str,
    out: Path,
    suite: str | Iterable[str] | None = None,
    tasks: Iterable[str | Spec] = (),
    mitigate: str | Iterable[str] | None = None,
    data: Path | None = None,
    limit: int | None = None,
    seed: int = 0,
    batch_size: int = 32,
    on_bad_data: Literal["skip", "fail"] = "fail",
    max_image_pixels: int = DEFAULT_MAX_PIXELS,
    executor: str | Spec = "local",
    severity: Path | None = None,
    show_progress: bool = True,
    plan: Mapping[str, Any] | None = None,
    budget_s: float | None = None,
) -> RunConfig:
    """``suite`` and ``mitigate`` take the CLI's comma-separated text or a list of entries;
    ``tasks`` take ``name:key=value,...`` texts or specs; ``plan`` is the scan plan this scan
    belongs to (stored in its run header)."""
    return RunConfig(
        model=model,
        suite=tuple(_items(suite, lambda text: text.split(","))),
        tasks=tuple(t if isinstance(t, Spec) else parse_spec(t) for t in tasks),
        mitigations=tuple(_items(mitigate, split_variants)),
        out=out,
        data=data,
        limit=limit,
        seed=seed,
        batch_size=batch_size,
        on_bad_data=on_bad_data,
        max_image_pixels=max_image_pixels,
        executor=executor if isinstance(executor, Spec) else parse_spec(executor),
        show_progress=show_progress,
        severity=severity,
        plan=dict(plan) if plan is not None else None,
        budget_s=budget_s,
    )


def _items(value: str | Iterable[str] | None, split: Callable[[str], list[str]]) -> list[str]:
    """A CLI text (split by ``split``) or a list whose entries are split the same way."""
    if value is None:
        return []
    texts = [value] if isinstance(value, str) else list(value)
    return [part for text in texts for part in split(text)]
