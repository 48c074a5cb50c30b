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

import json
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, overload

from vlmtrust.core.records import Sample
from vlmtrust.data.source import DataSource, SampleRequest
from vlmtrust.tasks.base import DataContext, Task

#: samples drawn at once while a first scan hashes an answer, and rows per packed chunk
DRAW_BATCH = 256
#: drawn batches a renderer keeps (enough for the units a Ray executor has in flight)
KEPT_BATCHES = 8
#: what a plan reads of the store: the rows kept under an identity, a batch at a time, if any
Remembered = Callable[[str], Iterator[list[dict[str, Any]]] | None]
Row = dict[str, Any]


class StoredRows(Protocol):
    """What a plan reads of a store that keeps answers in chunks (``ResultStore``)."""

    @property
    def sample_chunk(self) -> int: ...

    def remembered_count(self, identity: str) -> int | None: ...

    def remembered_chunk(self, identity: str, chunk: int) -> list[Row]: ...


class StoredSamples(Sequence[Sample]):
    """A remembered answer's samples left in the store (its ``sample_rows``), read a chunk at
    a time when asked for: a plan of a fully cached re-run then holds nothing per sample (the
    packed plan held ~125 bytes a sample and condition; its peak grew 1.30x from 1k to 100k
    samples). The store it reads is the read-only one planning opens, then the scan's own
    (``attach``); the last chunk read is kept, parsed, and its Sample objects made only when
    a sample (not only its id and hash) is read."""

    def __init__(self, identity: str, count: int, chunk_rows: int, store: StoredRows) -> None:
        self.identity = identity
        self._len = count
        self._chunk_rows = max(chunk_rows, 1)
        self._store = store
        self._digests: tuple[int, list[tuple[str, str]]] | None = None
        self._samples: tuple[int, list[Sample]] | None = None

    def attach(self, store: StoredRows) -> None:
        """Read from ``store`` from now on (planning's read-only store has been closed)."""
        self._store = store

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> Sample: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Sample]: ...
    def __getitem__(self, index: int | slice) -> Sample | Sequence[Sample]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._len))]
        at = self._at(index)
        chunk = at // self._chunk_rows
        if self._samples is None or self._samples[0] != chunk:
            self._samples = (chunk, [_light(row) for row in self._chunk(chunk)])
        return self._samples[1][at % self._chunk_rows]

    def __iter__(self) -> Iterator[Sample]:
        for start in range(0, self._len, self._chunk_rows):
            yield from (self[i] for i in range(start, min(start + self._chunk_rows, self._len)))

    def digest(self, index: int) -> tuple[str, str]:
        at = self._at(index)
        return self._chunk_digests(at // self._chunk_rows)[at % self._chunk_rows]

    def digests(self) -> Iterator[tuple[str, str]]:
        for chunk in range(self._chunks()):
            yield from self._chunk_digests(chunk)

    def _chunk_digests(self, chunk: int) -> list[tuple[str, str]]:
        if self._digests is None or self._digests[0] != chunk:
            rows = self._chunk(chunk)
            self._digests = (chunk, [(str(row["id"]), str(row["hash"])) for row in rows])
        return self._digests[1]

    def rows(self) -> Iterator[Row]:
        for chunk in range(self._chunks()):
            yield from self._chunk(chunk)

    def index_of(self, sample_id: str) -> int | None:
        for chunk in range(self._chunks()):
            for i, (found, _) in enumerate(self._chunk_digests(chunk)):
                if found == sample_id:
                    return chunk * self._chunk_rows + i
        return None

    def _at(self, index: int) -> int:
        at = index + self._len if index < 0 else index
        if not 0 <= at < self._len:
            raise IndexError(index)
        return at

    def _chunks(self) -> int:
        return -(-self._len // self._chunk_rows)

    def _chunk(self, chunk: int) -> list[Row]:
        """Chunk ``chunk``'s rows, read and parsed again each time: only what is made of them
        is kept, the last chunk's ids and hashes apart from its samples, since an aggregation
        reads keys and samples at different positions in turn."""
        return self._store.remembered_chunk(self.identity, chunk)


class LightSamples(Sequence[Sample]):
    """A task's planned samples without images, with their content hashes, packed: rows of
    ``DRAW_BATCH`` as zlib-compressed JSON, and each chunk's ids as one newline-joined text.
    A plan of 100k samples then holds a few MB, not a Sample object (about 1 KB) per sample;
    a sample is unpacked when read, a chunk at a time (the last one read is kept, since units
    and their conditions read the same chunk in turn)."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self._chunks: list[bytes] = []
        self._ids: list[str] = []
        self._len = 0
        batch: list[Row] = []
        for row in rows:
            batch.append(row)
            if len(batch) == DRAW_BATCH:
                self._pack(batch)
                batch = []
        if batch:
            self._pack(batch)
        self._cached: tuple[int, list[Sample], list[tuple[str, str]]] | None = None

    def _pack(self, batch: list[Row]) -> None:
        self._chunks.append(zlib.compress(json.dumps(batch).encode("utf-8"), 1))
        self._ids.append("\n".join(str(row["id"]) for row in batch))
        self._len += len(batch)

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> Sample: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Sample]: ...
    def __getitem__(self, index: int | slice) -> Sample | Sequence[Sample]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._len))]
        at = index + self._len if index < 0 else index
        if not 0 <= at < self._len:
            raise IndexError(index)
        return self._chunk(at // DRAW_BATCH)[0][at % DRAW_BATCH]

    def __iter__(self) -> Iterator[Sample]:
        for chunk in range(len(self._chunks)):
            yield from self._chunk(chunk)[0]

    def digest(self, index: int) -> tuple[str, str]:
        """``(id, content hash)`` of the sample at ``index``: what its result keys need."""
        return self._chunk(index // DRAW_BATCH)[1][index % DRAW_BATCH]

    def digests(self) -> Iterator[tuple[str, str]]:
        """Every sample's ``(id, content hash)`` in order, a chunk unpacked at a time."""
        for chunk in range(len(self._chunks)):
            yield from self._chunk(chunk)[1]

    def rows(self) -> Iterator[Row]:
        """The rows as packed (what the store keeps), one at a time."""
        for packed in self._chunks:
            yield from json.loads(zlib.decompress(packed))

    def index_of(self, sample_id: str) -> int | None:
        """Where ``sample_id`` is (None: not planned), found in the packed ids."""
        for chunk, text in enumerate(self._ids):
            if sample_id in text:
                found = text.split("\n")
                if sample_id in found:
                    return chunk * DRAW_BATCH + found.index(sample_id)
        return None

    def _chunk(self, chunk: int) -> tuple[list[Sample], list[tuple[str, str]]]:
        if self._cached is None or self._cached[0] != chunk:
            rows = json.loads(zlib.decompress(self._chunks[chunk]))
            samples = [_light(row) for row in rows]
            digests = [(str(row["id"]), str(row["hash"])) for row in rows]
            self._cached = (chunk, samples, digests)
        return self._cached[1], self._cached[2]


class Positions(Mapping[str, int]):
    """Planned samples' positions by id, found in the packed ids on lookup (no dict of every
    id: units render by position; only the gallery looks a few ids up)."""

    def __init__(self, samples: LightSamples | StoredSamples) -> None:
        self._samples = samples

    def __getitem__(self, sample_id: str) -> int:
        found = self._samples.index_of(sample_id)
        if found is None:
            raise KeyError(sample_id)
        return found

    def __iter__(self) -> Iterator[str]:
        return (s.id for s in self._samples)

    def __len__(self) -> int:
        return len(self._samples)


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
        drawn = self.at([self.positions[s.id] for s in samples])
        if [s.id for s in drawn] != [s.id for s in samples]:
            raise RuntimeError(f"the {self.source.name} source redrew other samples than planned")
        return drawn

    def at(self, positions: Sequence[int]) -> list[Sample]:
        """The samples at ``positions`` of the answer, drawn (or kept from a recent draw)."""
        wanted = tuple(positions)
        if wanted in self._recent:
            self._recent.move_to_end(wanted)
            return self._recent[wanted]
        drawn = self.source.render(self.request, wanted)
        self._recent[wanted] = drawn
        while len(self._recent) > KEPT_BATCHES:
            self._recent.popitem(last=False)
        return drawn


@dataclass(frozen=True)
class Drawn:
    """An answer a plan drew (not remembered): what the store keeps of it, the rows the plan
    packed (no second copy is held meanwhile)."""

    identity: str
    samples: LightSamples

    def rows(self) -> list[Row]:
        return list(self.iter_rows())

    def iter_rows(self) -> Iterator[Row]:
        """The rows one at a time (the store writes them as they come)."""
        return self.samples.rows()


@dataclass(frozen=True)
class Planned:
    """A task's samples as the plan holds them, with each one's ``(id, content hash)``.
    ``render`` is set where the samples are light (no image, packed: ``LightSamples``): it
    draws them in full."""

    samples: Sequence[Sample]
    digests: Sequence[tuple[str, str]]
    render: Renderer | None = None
    #: what to keep in the store (drawn by this plan, not remembered)
    drawn: Drawn | None = field(default=None, compare=False)


class Digests(Sequence[tuple[str, str]]):
    """The ``(id, content hash)`` of packed samples, unpacked when read."""

    def __init__(self, samples: LightSamples | StoredSamples) -> None:
        self._samples = samples

    def __len__(self) -> int:
        return len(self._samples)

    @overload
    def __getitem__(self, index: int) -> tuple[str, str]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[str, str]]: ...
    def __getitem__(self, index: int | slice) -> tuple[str, str] | Sequence[tuple[str, str]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        at = index + len(self) if index < 0 else index
        if not 0 <= at < len(self):
            raise IndexError(index)
        return self._samples.digest(at)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return self._samples.digests()


def plan_samples(
    task: Task,
    ctx: DataContext,
    remembered: Remembered,
    stored: StoredRows | None = None,
) -> Planned:
    """The task's samples, light where its source names the request's answer (see module);
    left in ``stored`` (``StoredSamples``, read a chunk at a time) where it keeps the answer
    in chunks."""
    request = _lazy_request(task, ctx)
    identity = None if request is None else ctx.source.identity(request)
    if request is None or identity is None:
        samples = tuple(task.samples(ctx))
        return Planned(samples, tuple((s.id, s.content_hash()) for s in samples))
    count = None if stored is None else stored.remembered_count(identity)
    if stored is not None and count is not None:
        kept = StoredSamples(identity, count, stored.sample_chunk, stored)
        return Planned(kept, Digests(kept), Renderer(ctx.source, request, Positions(kept)))
    batches = remembered(identity)
    if batches is None:  # drawn once, a batch at a time, each image hashed and let go
        full = (s for batch in ctx.source.batches(request, DRAW_BATCH) for s in batch)
        light = LightSamples(_row(s) for s in full)
        drawn: Drawn | None = Drawn(identity, light)
    else:
        light = LightSamples(row for batch in batches for row in batch)
        drawn = None
    render = Renderer(ctx.source, request, Positions(light))
    return Planned(light, Digests(light), render, drawn)


def _row(sample: Sample) -> Row:
    """What the plan and the store keep of a drawn sample: all but the image, and its hash."""
    return {
        "id": sample.id,
        "prompt": sample.prompt,
        "labels": sample.labels,
        "groups": sample.groups,
        "source": sample.source,
        "hash": sample.content_hash(),
    }


def _lazy_request(task: Task, ctx: DataContext) -> SampleRequest | None:
    """The task's request, where the class that defines its ``samples`` also defines
    ``sample_request`` (a subclass that draws other samples does not inherit the shortcut)."""
    mro = type(task).__mro__
    draws = next(c for c in mro if "samples" in vars(c))
    names = next(c for c in mro if "sample_request" in vars(c))
    return task.sample_request(ctx) if draws is names else None


def _light(row: Mapping[str, Any]) -> Sample:
    """A planned sample from its row, not validated again (its Sample was, when drawn): a
    pass over a plan's samples (a task's label set, its power check) costs ~10x less."""
    return Sample.model_construct(
        id=row["id"],
        prompt=row["prompt"],
        labels=row["labels"],
        groups=row["groups"],
        source=row["source"],
    )


class DrawnOnGet(Mapping[str, Sample]):
    """Planned samples by id, each drawn in full when looked up (the gallery reads a few).
    A lookup scans the plan's samples (packed ids, for light ones) rather than keeping an
    index per condition: a few lookups cost less than a dict entry for every sample."""

    def __init__(self, samples: Sequence[Sample], render: Renderer | None) -> None:
        self._samples = samples
        self._render = render

    def __getitem__(self, sample_id: str) -> Sample:
        at = position(self._samples, sample_id)
        return self._samples[at] if self._render is None else self._render.at([at])[0]

    def __iter__(self) -> Iterator[str]:
        return (s.id for s in self._samples)

    def __len__(self) -> int:
        return len(self._samples)


def position(samples: Sequence[Sample], sample_id: str) -> int:
    """Where ``sample_id`` is among the planned ``samples``; KeyError where it is not."""
    if isinstance(samples, LightSamples | StoredSamples):
        found = samples.index_of(sample_id)
    else:
        found = next((i for i, s in enumerate(samples) if s.id == sample_id), None)
    if found is None:
        raise KeyError(sample_id)
    return found
