"""Safety probe sets: harmful requests (category-level placeholders) with benign twins.

The shipped set is ``probes/harmful_v1.jsonl`` (built by ``probes_v1``); users bring their own
JSONL of the same shape through a task's ``probes=PATH`` parameter. One row per line:

``{"id", "set", "category", "harmful": bool, "request", "prompt", "twin"?, "group"?}``

``request`` is what attacks render into an image (FigStep) or place as a caption; ``prompt`` is
the same request asked in text. Rows are validated up front, with the line that is wrong named.
"""

from __future__ import annotations

import json
from collections import defaultdict
from importlib.resources import files
from pathlib import Path

from pydantic import Field, ValidationError

from vlmtrust.core.errors import DataError
from vlmtrust.core.paths import user_file
from vlmtrust.core.records import Record, Sample

DEFAULT = "harmful_v1"


class Probe(Record):
    id: str = Field(min_length=1)
    set: str = Field(min_length=1)
    category: str = Field(min_length=1)
    harmful: bool
    request: str = Field(min_length=1)
    prompt: str = Field(min_length=1)
    twin: str | None = None
    group: str | None = None

    def to_sample(self) -> Sample:
        """A text-only sample; attacks move ``labels['request']`` into the image."""
        labels: dict[str, str | bool] = {
            "set": self.set,
            "category": self.category,
            "harmful": self.harmful,
            "request": self.request,
        }
        return Sample(
            id=self.id,
            prompt=self.prompt,
            labels=labels,
            groups={"group": self.group} if self.group else {},
            source=f"probes:{self.set}",
        )


def load_probes(source: str | Path = DEFAULT) -> list[Probe]:
    """A shipped set by name (``harmful_v1``) or a JSONL file path."""
    text, where = _read(source)
    probes: list[Probe] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            probes.append(Probe.model_validate(json.loads(line)))
        except json.JSONDecodeError as err:
            raise DataError(
                f"{where}:{number} is not JSON ({err.msg})", "write one object per line"
            ) from err
        except ValidationError as err:
            first = err.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "row"
            raise DataError(
                f"{where}:{number}: field {field!r}: {first['msg']}",
                "each row needs id, set, category, harmful, request, prompt",
            ) from err
    _check(probes, where)
    return probes


def pick_probes(
    source: str | Path, sets: tuple[str, ...], harmful: bool, n: int | None
) -> list[Sample]:
    """The probes of ``sets`` whose ``harmful`` flag is ``harmful``; under ``n``, interleaved
    across categories and groups so a small run still covers every category and group rather
    than the first one only."""
    chosen = [p.to_sample() for p in load_probes(source) if p.set in sets]
    chosen = [s for s in chosen if bool(s.labels.get("harmful")) == harmful]
    if n is None or n >= len(chosen):
        return chosen
    by_kind: dict[tuple[str, str], list[Sample]] = defaultdict(list)
    for s in chosen:
        by_kind[(str(s.labels["category"]), s.groups.get("group", ""))].append(s)
    queues = list(by_kind.values())
    out: list[Sample] = []
    while len(out) < n:
        for queue in queues:
            if queue and len(out) < n:
                out.append(queue.pop(0))
    return out


def _read(source: str | Path) -> tuple[str, str]:
    if isinstance(source, str) and "/" not in source and not source.endswith(".jsonl"):
        shipped = files("vlmtrust.data").joinpath("probes", f"{source}.jsonl")
        if not shipped.is_file():
            raise DataError(f"no shipped probe set {source!r}", f"use {DEFAULT!r} or a JSONL path")
        return shipped.read_text(encoding="utf-8"), source
    path = user_file(source, "probe file")
    if not path.is_file():
        raise DataError(f"probe file {path} does not exist", "pass probes=PATH to a JSONL file")
    return path.read_text(encoding="utf-8"), str(path)


def _check(probes: list[Probe], where: str) -> None:
    if not probes:
        raise DataError(f"{where} holds no probes", "add at least one JSONL row")
    ids = [p.id for p in probes]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise DataError(f"{where}: duplicate probe id {dup!r}", "give every row a unique id")
    known = set(ids)
    for p in probes:
        if p.twin is not None and p.twin not in known:
            raise DataError(f"{where}: probe {p.id!r} names a missing twin {p.twin!r}", "add it")
