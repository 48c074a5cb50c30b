"""What every public-benchmark loader shares: finding the copy's root, one-line errors that name
the published layout, strict tables, counts against the published ones, a content fingerprint,
and a base source that keeps the samples, skipped entries and warnings.

A benchmark is read exactly as its authors distribute it; these helpers never guess a layout:
a missing file or column is a DataError naming the layout expected (exit 2 through the CLI), a
short copy is a warning naming both counts (shown by the scan and by ``vlmtrust data check``,
recorded in the run header), and the fingerprint hashes every file the loader reads, so results
are keyed to the copy whatever ``--limit`` keeps.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from vlmtrust.core.errors import DataError
from vlmtrust.core.images import DEFAULT_MAX_PIXELS
from vlmtrust.core.paths import OutsideRoot, inside
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import sha256_hex
from vlmtrust.data import OUTSIDE, BadItem, OnBad, collect, make_sample
from vlmtrust.data.source import DataSource, DataSummary
from vlmtrust.data.table import csv_rows, read_utf8

T = TypeVar("T")


@dataclass(frozen=True)
class Layout:
    """A benchmark's published layout, as errors and ``data list`` name it."""

    #: the benchmark's name, e.g. "FigStep SafeBench"
    title: str
    #: the files it expects, relative to the copy's root, e.g. "data/question/safebench.csv ..."
    files: str

    @property
    def fix(self) -> str:
        """The layout expected, as the fix half of a one-line error."""
        return f"expected the {self.title} layout: {self.files}"

    def error(self, problem: str) -> DataError:
        """``problem``, then the layout expected: one line, exit 2 through the CLI."""
        return DataError(problem, self.fix)


def locate(path: str, marker: str, layout: Layout, inner: Sequence[str] = ("data",)) -> Path:
    """The folder holding ``marker`` (a file or folder relative to it): ``path`` itself or one of
    its ``inner`` folders, so both a clone's root and its data folder are accepted."""
    if not path:
        raise layout.error("no path given (--data NAME:PATH)")
    given = Path(path)
    if not given.is_dir():
        raise layout.error(f"{given} is not a directory")
    for root in (*(given / name for name in inner), given):
        if (root / marker).exists():
            return root
    raise layout.error(f"{given} has no {marker}")


def exists(path: Path, layout: Layout) -> Path:
    """``path`` (a file or a folder), which must exist."""
    if not path.exists():
        raise layout.error(f"{path} does not exist")
    return path


def require(root: Path, relative: str, layout: Layout, folder: bool = False) -> Path:
    """``root / relative``, which must exist (a folder when ``folder``) inside ``root``."""
    try:
        found = inside(root, relative)
    except OutsideRoot:
        raise layout.error(f"{root / relative} is {OUTSIDE}") from None
    if not (found.is_dir() if folder else found.is_file()):
        raise layout.error(f"{root / relative} is missing")
    return found


def csv_table(
    file: Path, columns: Sequence[str], layout: Layout
) -> list[tuple[int, dict[str, str]]]:
    """``(line, row)`` per row of a strict UTF-8 CSV whose header holds ``columns`` (empty or
    missing cells read as "")."""
    fix = layout.fix
    with file.open(newline="", encoding="utf-8-sig") as handle:
        try:
            return [
                (line, {k: v or "" for k, v in cells.items()})
                for line, cells in csv_rows(handle, file, fix, required=columns)
            ]
        except UnicodeDecodeError as err:
            raise DataError(
                f"{file} is not UTF-8 text ({err.reason} at byte {err.start})", fix
            ) from None


def json_object(file: Path, layout: Layout) -> dict[str, Any]:
    """A JSON file whose top level is an object."""
    value = _json(file, layout)
    if not isinstance(value, dict):
        raise layout.error(f"{file} is not a JSON object")
    return value


def json_array(file: Path, layout: Layout) -> list[Any]:
    """A JSON file whose top level is an array (a list of entries)."""
    value = _json(file, layout)
    if not isinstance(value, list):
        raise layout.error(f"{file} is not a JSON array")
    return value


def _json(file: Path, layout: Layout) -> Any:
    try:
        return json.loads(read_utf8(file))
    except json.JSONDecodeError as err:
        raise layout.error(f"{file} is not valid JSON ({err.msg} at line {err.lineno})") from None


def short_copy(
    what: str,
    found: int | Mapping[str, int],
    published: int | Mapping[str, int],
    unit: str = "rows",
) -> list[str]:
    """One warning when a copy's counts are not the ``published`` ones (a short copy, or an
    altered one), naming both totals; given counts per category (both mappings), also the
    first categories that differ, missing ones first. None when they match."""
    found_by = found if isinstance(found, Mapping) else {"": found}
    published_by = published if isinstance(published, Mapping) else {"": published}
    differ = [key for key, want in published_by.items() if found_by.get(key, 0) != want]
    if not differ and found_by.keys() <= published_by.keys():
        return []
    total, want = sum(found_by.values()), sum(published_by.values())
    kind = "a short copy" if total < want else "not the published copy"
    line = f"{kind}: {what} holds {total:,} {unit}, the published copy {want:,}"
    if not isinstance(found, Mapping):
        return [line]
    differ.sort(key=lambda key: key in found_by)  # categories missing altogether first
    off = [f"{key!r} {found_by.get(key, 0):,} of {published_by[key]:,}" for key in differ]
    off += [f"{key!r} is not a published category" for key in found_by if key not in published_by]
    more = f" and {len(off) - 3} more" if len(off) > 3 else ""
    return [f"{line} ({', '.join(off[:3])}{more})"]


class Fingerprint:
    """A benchmark copy's content fingerprint: sha256 over the parts a loader adds, each named
    by its path relative to the root, in the order read (the loaders read in a fixed order).
    It names the copy in every run header and in ``vlmtrust data check``, where runs are told
    apart by it, so the same copy must keep its fingerprint: a loader never changes what it
    hashes. Each loader follows one of three policies:

    - bytes (:meth:`read`), the default: every file the loader reads, tables, prompt files
      and each image (FigStep, MM-SafetyBench, VLGuard, MOSSBench, BOLD, PATA);
    - name and size (:meth:`sized`) for image sets too large to read at every scan
      (JailBreakV-28K's images, both folders of an OOD pair such as ImageNet val), their
      tables and class-name files still by bytes; each image a run scores is keyed by its
      content anyway (the sample hash in the cache key);
    - the caption sets (COCO captions, Flickr30k): their annotation files by bytes, and only the
      images decoded (the first ``--limit`` per side), so another ``--limit`` is another
      fingerprint.

    The face sets (FairFace, UTKFace, FairVLMed) use none: theirs hashes the loaded samples'
    content (:class:`~vlmtrust.data.benchmarks.group_layout.GroupBenchmark`)."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._parts: list[str] = []

    def read(self, file: Path, name: str | None = None) -> bytes:
        """The file's bytes, hashed under ``name`` (default: its path relative to the root),
        so a copy hashes the same wherever it lives and however its folders are spelled."""
        data = file.read_bytes()
        self._parts.append(sha256_hex(name or file.relative_to(self._root).as_posix(), data))
        return data

    def sized(self, name: str, size: int) -> None:
        """A file hashed under ``name`` by its size only (its bytes unread; see the class's
        policies), so an image added, removed or replaced by one of another size still changes
        the fingerprint."""
        self._parts.append(sha256_hex("size", name, str(size)))

    def hexdigest(self) -> str:
        return sha256_hex(*self._parts)


def interleave(items: Iterable[T], key: Callable[[T], str]) -> list[T]:
    """``items`` taken one per ``key`` in turn (keys in first-seen order, each key's items in
    their own order), so the first N cover every category."""
    queues: dict[str, list[T]] = {}
    for item in items:
        queues.setdefault(key(item), []).append(item)
    out: list[T] = []
    depth = max((len(q) for q in queues.values()), default=0)
    for i in range(depth):
        out += [q[i] for q in queues.values() if i < len(q)]
    return out


def image_sample(
    root: Path,
    relative: str,
    fields: dict[str, Any],
    source: str,
    fingerprint: Fingerprint,
    decode: bool,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
    name: str | None = None,
) -> Sample | BadItem | None:
    """The Sample for one row's image (read and hashed, under ``name`` if given; decoded and
    checked only when ``decode``, else None), or a BadItem saying why not."""
    shown = str(root / relative)
    try:
        file = inside(root, relative)
    except OutsideRoot:
        return BadItem(path=shown, reason=OUTSIDE)
    if not file.is_file():
        return BadItem(path=shown, reason="missing file")
    try:
        data = fingerprint.read(file, name)
    except OSError as err:
        return BadItem(path=shown, reason=f"unreadable file ({err.strerror})")
    return make_sample(data, fields, source, max_pixels) if decode else None


def settle(items: Iterable[Sample | BadItem], on_bad: OnBad) -> tuple[list[Sample], list[BadItem]]:
    """Samples and bad items apart; with ``on_bad="fail"`` a bad item is a DataError naming the
    first and counting the rest (:func:`vlmtrust.data.collect`, as every loader does)."""
    loaded = collect("the benchmark", items, on_bad, how_to_skip="--on-bad-data skip")
    return list(loaded.samples), list(loaded.skipped)


@dataclass(frozen=True)
class Loaded:
    """What a benchmark loader read: the samples kept, entries skipped, warnings, the copy's
    fingerprint and its rows per split and category (all rows, whatever --limit kept)."""

    samples: list[Sample]
    skipped: list[BadItem]
    warnings: list[str]
    fingerprint: str
    counts: dict[str, dict[str, int]]


class BenchmarkSource(DataSource):
    """A public benchmark read in its published layout; subclasses load it and answer requests."""

    layout: ClassVar[Layout]

    def __init__(self, loaded: Loaded) -> None:
        self._loaded = loaded

    @property
    def skipped(self) -> tuple[BadItem, ...]:
        return tuple(self._loaded.skipped)

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(self._loaded.warnings)

    def summary(self) -> DataSummary:
        size = sum(n for split in self._loaded.counts.values() for n in split.values())
        return DataSummary(
            self.name, size, self._loaded.fingerprint, self._loaded.counts, self.warnings
        )


def counts_by(rows: Iterable[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """``{split: {category: rows}}`` from ``(split, category)`` pairs, in first-seen order."""
    out: dict[str, Counter[str]] = {}
    for split, category in rows:
        out.setdefault(split, Counter())[category] += 1
    return {split: dict(counter) for split, counter in out.items()}
