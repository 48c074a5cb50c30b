"""Resolving ``--data`` to one registered data source, and the world source tasks draw reference
sets from whatever ``--data`` is (held-out twins, clean scenes to stamp a trigger on).

``--data PATH`` auto-detects the layout (a labels folder, or a ``save_to_disk`` directory);
``--data NAME:PATH`` names a registered source (``folder:``, ``hf_disk:``, ``world:``); no
``--data`` is the ``world`` source. A prefix is a source name only when it is registered, so a
path that merely contains ':' is still a path.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.records import Sample
from vlmtrust.data.source import DataSource, LoadOptions, SampleRequest

if TYPE_CHECKING:
    from vlmtrust.data.world.scene import Scene

#: the source a run without --data uses, and the one reference sets come from
WORLD = "world"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


def split_data_arg(data: str | Path | None) -> tuple[str | None, str]:
    """``(source name, path)`` from a ``--data`` value: ``(None, PATH)`` to auto-detect.

    A ``NAME:`` prefix names a source only when NAME is registered; an unregistered name-like
    prefix on a path that does not exist is a one-line ConfigError listing the known sources."""
    from vlmtrust.plugins import DATA_SOURCES

    if data is None:
        return WORLD, ""
    text = str(data)
    prefix, colon, rest = text.partition(":")
    if colon and prefix in DATA_SOURCES:
        return prefix, rest
    if colon and _NAME.fullmatch(prefix) and not Path(text).exists():
        known = ", ".join(e.name for e in DATA_SOURCES.entries())
        raise ConfigError(
            f"unknown data source {prefix!r} in --data {text}",
            f"use one of {known} (--data NAME:PATH), or a path to your dataset",
        )
    return None, text


def open_source(data: str | Path | None, options: LoadOptions | None = None) -> DataSource:
    """The run's data source for a ``--data`` value (None: the world)."""
    from vlmtrust.plugins import DATA_SOURCES

    options = options or LoadOptions()
    name, path = split_data_arg(data)
    if name is None:
        from vlmtrust.data import layout_of

        name = layout_of(Path(path))
    return DATA_SOURCES.get(name).open(path, options)


def reference_samples(request: SampleRequest) -> list[Sample]:
    """The world source's answer, for sets a task draws whatever --data is (a request without a
    seed gets seed 0)."""
    return open_source(None).samples(request)


def world_scene(sample: Sample, text_prob: float = 0.0) -> Scene | None:
    """The world scene an ``objects`` sample was drawn from (None for any other sample), for
    tasks that edit the scene itself, e.g. swap its shape or colour in a caption."""
    from vlmtrust.data.world.source import WorldSource

    return WorldSource.scene_of(sample, text_prob)
