"""Samples planned from their identity, images drawn only for the results that must run.

A task whose samples are one source request's answer (``Task.sample_request``) is planned from
the answer's rows without images: ids, labels, groups, provenance and each sample's content hash
(what a result key needs). The first scan draws the answer in batches, hashing each image and
dropping it; the store keeps the rows under the source's identity of the request, so a re-run
plans without drawing or encoding anything. The keys are the ones the full samples give, since
the hash is theirs. Images are drawn again, a batch at a time, for the units that run and for
the few samples the report's gallery shows.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from vlmtrust.core.records import Sample
from vlmtrust.data.source import DataSource, SampleRequest
from vlmtrust.tasks.base import DataContext, Task

#: samples drawn at once while a first scan hashes an answer
DRAW_BATCH = 256
#: drawn batches a renderer keeps (enough for the units a Ray executor has in flight)
KEPT_BATCHES = 8
#: what a plan reads of the store: the rows kept under an identity, if any (a fresh list each
#: call: the plan empties it as it reads, see ``_from_rows``)
Remembered = Callable[[str], list[dict[str, Any]] | None]


@dataclass(frozen=True)
class Renderer:
    """Draws the full samples (images included) of planned samples from their request. The
    last few batches are kept: every condition of a task runs the same batches one after
    another (``runner.run._units``), so each batch is drawn once, not once per condition."""

    source: DataSource
    request: SampleRequest
    positions: Mapping[str, int]
    _recent: OrderedDict[tuple[int, ...], list[Sample]] = field(
        default_factory=OrderedDict, compare=False, repr=False
    )

    def __call__(self, samples: Sequence[Sample]) -> list[Sample]:
        wanted = tuple(self.positions[s.id] for s in samples)
        if wanted in self._recent:
            self._recent.move_to_end(wanted)
            return self._recent[wanted]
        drawn = self.source.render(self.request, wanted)
        if [s.id for s in drawn] != [s.id for s in samples]:
            raise RuntimeError(f"the {self.source.name} source redrew other samples than planned")
        self._recent[wanted] = drawn
        while len(self._recent) > KEPT_BATCHES:
            self._recent.popitem(last=False)
        return drawn


@dataclass(frozen=True)
class Drawn:
    """An answer a plan drew (not remembered): what the store keeps of it, built when written
    from the light samples and their hashes (no second copy is held meanwhile)."""

    identity: str
    samples: tuple[Sample, ...]
    digests: tuple[tuple[str, str], ...]

    def rows(self) -> list[dict[str, Any]]:
        return list(self.iter_rows())

    def iter_rows(self) -> Iterator[dict[str, Any]]:
        """The rows one at a time (the store writes them as they come)."""
        for s, (_, digest) in zip(self.samples, self.digests, strict=True):
            yield {
                "id": s.id,
                "prompt": s.prompt,
                "labels": s.labels,
                "groups": s.groups,
                "source": s.source,
                "hash": digest,
            }


@dataclass(frozen=True)
class Planned:
    """A task's samples as the plan holds them, with each one's ``(id, content hash)``.
    ``render`` is set where the samples are light (no image): it draws them in full."""

    samples: tuple[Sample, ...]
    digests: tuple[tuple[str, str], ...]
    render: Renderer | None = None
    #: what to keep in the store (drawn by this plan, not remembered)
    drawn: Drawn | None = field(default=None, compare=False)


def plan_samples(task: Task, ctx: DataContext, remembered: Remembered) -> Planned:
    """The task's samples, light where its source names the request's answer (see module)."""
    request = _lazy_request(task, ctx)
    identity = None if request is None else ctx.source.identity(request)
    if request is None or identity is None:
        samples = tuple(task.samples(ctx))
        return Planned(samples, tuple((s.id, s.content_hash()) for s in samples))
    rows = remembered(identity)
    if rows is None:  # drawn once, a batch at a time, each image hashed and let go
        full = (s for batch in ctx.source.batches(request, DRAW_BATCH) for s in batch)
        pairs = [(s.model_copy(update={"image": None}), (s.id, s.content_hash())) for s in full]
        samples = tuple(light for light, _ in pairs)
        digests = tuple(digest for _, digest in pairs)
        drawn: Drawn | None = Drawn(identity, samples, digests)
    else:
        samples, digests = _from_rows(rows)
        drawn = None
    positions = {s.id: i for i, s in enumerate(samples)}
    return Planned(samples, digests, Renderer(ctx.source, request, positions), drawn)


def _lazy_request(task: Task, ctx: DataContext) -> SampleRequest | None:
    """The task's request, where the class that defines its ``samples`` also defines
    ``sample_request`` (a subclass that draws other samples does not inherit the shortcut)."""
    mro = type(task).__mro__
    draws = next(c for c in mro if "samples" in vars(c))
    names = next(c for c in mro if "sample_request" in vars(c))
    return task.sample_request(ctx) if draws is names else None


def _from_rows(
    rows: list[dict[str, Any]],
) -> tuple[tuple[Sample, ...], tuple[tuple[str, str], ...]]:
    """The light samples and hashes of remembered rows, each row let go once read (``rows``
    is emptied), so the rows and the samples made of them are not all held at once."""
    rows.reverse()
    samples: list[Sample] = []
    digests: list[tuple[str, str]] = []
    while rows:
        row = rows.pop()
        samples.append(_light(row))
        digests.append((row["id"], str(row["hash"])))
    return tuple(samples), tuple(digests)


def _light(row: Mapping[str, Any]) -> Sample:
    return Sample(
        id=row["id"],
        prompt=row["prompt"],
        labels=row["labels"],
        groups=row["groups"],
        source=row["source"],
    )


class DrawnOnGet(Mapping[str, Sample]):
    """Planned samples by id, each drawn in full when looked up (the gallery reads a few).
    A lookup scans the plan's samples (or the renderer's positions) rather than keeping an
    index per condition: a few lookups cost less than a dict entry for every sample."""

    def __init__(self, samples: Sequence[Sample], render: Renderer | None) -> None:
        self._samples = samples
        self._render = render

    def __getitem__(self, sample_id: str) -> Sample:
        sample = self._samples[position(self._samples, sample_id, self._render)]
        return sample if self._render is None else self._render([sample])[0]

    def __iter__(self) -> Iterator[str]:
        return (s.id for s in self._samples)

    def __len__(self) -> int:
        return len(self._samples)


def position(samples: Sequence[Sample], sample_id: str, render: Renderer | None = None) -> int:
    """Where ``sample_id`` is among the planned ``samples``; KeyError where it is not."""
    if render is not None and sample_id in render.positions:
        return render.positions[sample_id]
    found = next((i for i, s in enumerate(samples) if s.id == sample_id), None)
    if found is None:
        raise KeyError(sample_id)
    return found
