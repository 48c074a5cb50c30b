"""The sanitize pipeline: index and dedup every row first (cheap, deterministic), pseudonymise
the kept rows' captions in batches through the PII gate, then redact the kept rows in batches,
journaling each finished row so a killed run resumes where it stopped and ends with exactly the
output an uninterrupted run writes. The row-wise work runs where ``--executor`` says
(``sanitize.mappers``: this process or Ray Data); the global steps and all writing of the copy's
files stay in this process.

The input is only ever read. Output: OUT/<same image paths>, the copy's own caption files
(OUT/labels.<same format> for a folder, the annotation files of a published caption set), and
OUT/audit.jsonl (one row per change; PII values appear only as a short hash, never in clear).
The journal lives in OUT/.sanitize/ and is removed when the run completes.

A published caption set's splits are deduplicated each on its own; an image of one split that
duplicates an image kept in another (a val image copying a train image: train/test leakage) is
kept where the authors put it and reported (``cross_split_duplicate``), since dropping it would
silently change the benchmark's published splits.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from vlmtrust.core.errors import ConfigError, DataError
from vlmtrust.core.images import DEFAULT_MAX_PIXELS, UnreadableImage, decode_image
from vlmtrust.core.outputs import check_output_dir
from vlmtrust.core.paths import OutsideRoot, inside
from vlmtrust.data import OUTSIDE
from vlmtrust.sanitize.coco import CocoCopy
from vlmtrust.sanitize.dataset import Copy, FolderCopy, Row
from vlmtrust.sanitize.dedup import Mode, find_duplicates, image_hash
from vlmtrust.sanitize.flickr import FlickrCopy
from vlmtrust.sanitize.mappers import Mapper, open_mapper
from vlmtrust.sanitize.minhash import CaptionMatch
from vlmtrust.sanitize.phash import hash_bits
from vlmtrust.sanitize.pseudonymize import Replacement, pseudonymize_many
from vlmtrust.sanitize.redact import redact

WORK_DIR = ".sanitize"
#: rows per mapped batch of image work (decode + pHash; redact + write), captions per PII batch
IMAGE_BATCH = 64
PII_BATCH = 20_000
#: a caption's pseudonymised text and what was replaced in it
Pseudonymized = tuple[str, list[Replacement]]
#: the published caption sets sanitize reads and writes back in their layout (``NAME:ROOT``)
CAPTION_SETS: dict[str, Callable[[str], Copy]] = {
    "coco_captions": CocoCopy.open,
    "flickr30k": FlickrCopy.open,
}


class SanitizeOptions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    dedup: Mode = "both"
    caption_threshold: float = Field(default=0.7, gt=0, le=1)
    #: what the threshold applies to: the larger of character Jaccard and word similarity
    #: (a few whole words edited still match), or character Jaccard alone (the old measure)
    caption_match: CaptionMatch = "chars_or_words"
    max_image_distance: int = Field(default=6, ge=0, le=7)
    text_columns: tuple[str, ...] = ("caption", "prompt", "text")
    ocr: bool = True
    faces: bool = True
    on_bad_data: Literal["fail", "skip"] = "fail"
    max_image_pixels: int = Field(default=DEFAULT_MAX_PIXELS, ge=1)
    key: str = "vlmtrust"


@dataclass(frozen=True)
class SanitizeSummary:
    rows_in: int
    rows_out: int
    duplicates: int
    bad_images: int
    audit_rows: int
    out: Path
    #: images kept in one split that duplicate an image of another (reported, not dropped)
    cross_split: int = 0


def short_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:12]


def open_copy(data: Path | str) -> Copy:
    """``coco_captions:ROOT`` / ``flickr30k:ROOT`` (a published caption set), else a folder."""
    name, colon, path = str(data).partition(":")
    if isinstance(data, str) and colon and name in CAPTION_SETS:
        return CAPTION_SETS[name](path)
    if isinstance(data, str) and colon and name.isidentifier() and not Path(data).exists():
        raise DataError(
            f"sanitize reads an image folder or {' / '.join(f'{n}:ROOT' for n in CAPTION_SETS)}"
            f", not {name}:",
            "pass one of those",
        )
    return FolderCopy(Path(data))


def sanitize(
    data: Path | str,
    out: Path,
    options: SanitizeOptions,
    progress: Callable[[int], Callable[[int], None]] | None = None,
    report_bad: Callable[[str], None] = lambda message: None,
    executor: str = "local",
    address: str | None = None,
) -> SanitizeSummary:
    """Write a sanitized copy of the dataset ``data`` (see :func:`open_copy`) to ``out``;
    ``executor`` says where the row-wise work runs (``sanitize.mappers``), never what is
    written."""
    copy = open_copy(data)
    data = copy.root
    source, target = data.resolve(), out.resolve()
    if target == source or source in target.parents or target in source.parents:
        raise ConfigError(
            f"--out {out} and the input {data} overlap", "write to a folder outside the input"
        )
    check_output_dir(out)
    _open_work(out, copy, options, create=False)  # a wrong --out fails before Ray starts
    mapper = open_mapper(executor, address)
    try:
        return _sanitize(copy, out, options, progress, report_bad, mapper)
    finally:
        mapper.close()


def _sanitize(
    copy: Copy,
    out: Path,
    options: SanitizeOptions,
    progress: Callable[[int], Callable[[int], None]] | None,
    report_bad: Callable[[str], None],
    mapper: Mapper,
) -> SanitizeSummary:
    data = copy.root
    rows = copy.rows
    columns = copy.columns or options.text_columns
    hashes, bad = _index(data, rows, options, report_bad, mapper)
    audit: dict[int, list[dict[str, Any]]] = {}
    for i in bad:
        audit[i] = [_audit(rows[i], "skip_bad_image", reason=bad[i])]
    good = [i for i in range(len(rows)) if i not in bad]
    captions = [copy.dedup_text(rows[i], columns) for i in good]
    split = [rows[i].split for i in good]
    dups = find_duplicates(
        captions,
        hash_bits(np.array([hashes[i] for i in good], dtype=np.uint64)),
        options.dedup,
        options.caption_threshold,
        options.max_image_distance,
        split if any(split) else None,
        mapper.sketcher(),
        options.caption_match,
    )
    dropped = set()
    leaks: dict[int, dict[str, Any]] = {}
    for d in dups:
        row, kept = rows[good[d.index]], rows[good[d.of]]
        found = {
            "of": kept.id,
            "caption_jaccard": d.caption_jaccard,
            "caption_word_similarity": d.caption_word_similarity,
            "image_distance": d.image_distance,
        }
        if d.across:
            leaks[good[d.index]] = _audit(
                row, "cross_split_duplicate", split=row.split, of_split=kept.split, **found
            )
            continue
        dropped.add(good[d.index])
        audit[good[d.index]] = [_audit(row, "drop_duplicate", **found)]
    todo = [i for i in good if i not in dropped]
    journal = _open_work(out, copy, options)
    done = _read_journal(journal)
    advance = progress(len(todo)) if progress else (lambda n: None)
    advance(sum(1 for i in todo if i in done))
    pending = [i for i in todo if i not in done]
    texts = list(dict.fromkeys(t for i in pending for t in _texts(rows[i], columns)))
    cleaned = functools.partial(pseudonymize_many, key=options.key)
    pseudonyms = [r for batch in mapper.map(cleaned, texts, PII_BATCH) for r in batch]
    pii = dict(zip(texts, pseudonyms, strict=True))
    items = [(i, rows[i], {t: pii[t] for t in _texts(rows[i], columns)}) for i in pending]
    work = functools.partial(_process_batch, data, out, columns, options)
    with journal.open("a", encoding="utf-8") as handle:
        for entries in mapper.map(work, items, IMAGE_BATCH):
            for entry in entries:
                line = json.dumps(entry)
                handle.write(line + "\n")
                handle.flush()
                os.fsync(handle.fileno())
                done[entry["index"]] = json.loads(line)  # the same form a resumed run reads
                advance(1)
    out_rows = [done[i]["row"] for i in todo]
    for i in todo:
        audit[i] = ([leaks[i]] if i in leaks else []) + done[i]["audit"]
    audit_rows = [a for i in sorted(audit) for a in audit[i]]
    copy.write(out, out_rows)
    tmp = out / "audit.jsonl.tmp"
    tmp.write_text("".join(json.dumps(a, sort_keys=True) + "\n" for a in audit_rows))
    tmp.replace(out / "audit.jsonl")
    shutil.rmtree(out / WORK_DIR)
    return SanitizeSummary(
        len(rows), len(out_rows), len(dropped), len(bad), len(audit_rows), out, len(leaks)
    )


def _audit(row: Row, action: str, **extra: Any) -> dict[str, Any]:
    return {"id": row.id, "file": row.file, "action": action, **extra}


def _texts(row: Row, columns: tuple[str, ...]) -> list[str]:
    """The caption texts of a row that pseudonymisation reads."""
    out: list[str] = []
    for column in columns:
        value = row.fields.get(column)
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, list):
            out.extend(t for t in value if isinstance(t, str))
    return out


def _index(
    data: Path,
    rows: list[Row],
    options: SanitizeOptions,
    report_bad: Callable[[str], None],
    mapper: Mapper,
) -> tuple[dict[int, int], dict[int, str]]:
    """Perceptual hashes of every image (as 64-bit integers); unreadable ones fail the run
    (before anything is written) or are skipped and reported, as ``on_bad_data`` says."""
    hashes: dict[int, int] = {}
    bad: dict[int, str] = {}
    hashed = functools.partial(_hash_batch, data, options)
    results = (r for batch in mapper.map(hashed, rows, IMAGE_BATCH) for r in batch)
    for i, (row, (bits, problem)) in enumerate(zip(rows, results, strict=True)):
        if problem is None:
            hashes[i] = bits
            continue
        shown = data / row.file
        if options.on_bad_data == "fail":
            raise DataError(
                f"image {shown} is {problem}",
                "fix or remove it, or pass --on-bad-data skip to leave it out",
            )
        bad[i] = problem
        report_bad(f"skipped {shown}: {problem}")
    return hashes, bad


def _hash_batch(
    data: Path, options: SanitizeOptions, rows: list[Row]
) -> list[tuple[int, str | None]]:
    """Each row's pHash bits, or why its image cannot be read."""
    out: list[tuple[int, str | None]] = []
    for row in rows:
        try:
            phash = image_hash(_read_image(data, row, options))
        except _BadImage as err:
            out.append((0, str(err)))
            continue
        out.append((int(hash_bits([phash])[0]), None))
    return out


class _BadImage(Exception):
    """Why one row's image cannot be sanitized (its message completes "image X is ...")."""


def _read_image(data: Path, row: Row, options: SanitizeOptions) -> Image.Image:
    """The row's image as RGB, read only from inside ``data`` and under the pixel cap."""
    try:
        path = inside(data, row.file)
    except OutsideRoot:
        raise _BadImage(OUTSIDE) from None
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise _BadImage("missing") from None
    except OSError as err:
        raise _BadImage(f"unreadable ({err.strerror or type(err).__name__})") from None
    try:
        return decode_image(raw, options.max_image_pixels)
    except UnreadableImage as err:
        raise _BadImage(f"unreadable: {err}") from None


def _open_work(out: Path, copy: Copy, options: SanitizeOptions, create: bool = True) -> Path:
    """The journal of this run; a different earlier run in ``out`` is an error, not mixed in.
    ``create=False`` only checks (before a Ray cluster starts, nothing written yet)."""
    fingerprint = hashlib.sha256(
        copy.fingerprint() + options.model_dump_json().encode()
    ).hexdigest()
    work = out / WORK_DIR
    state = work / "state.json"
    if state.is_file():
        if json.loads(state.read_text()).get("fingerprint") != fingerprint:
            raise ConfigError(
                f"{out} holds an unfinished sanitize run of other data or options",
                "re-run with the same input and options, or choose another --out",
            )
    elif out.exists() and any(out.iterdir()):
        raise ConfigError(f"--out {out} exists and is not empty", "choose a new directory")
    elif create:
        work.mkdir(parents=True, exist_ok=True)
        state.write_text(json.dumps({"fingerprint": fingerprint}))
    return work / "journal.jsonl"


def _read_journal(journal: Path) -> dict[int, dict[str, Any]]:
    """Finished rows; a torn last line (killed mid-write) is cut off so appends stay valid."""
    done: dict[int, dict[str, Any]] = {}
    if not journal.is_file():
        return done
    raw = journal.read_bytes()
    valid = 0
    for line in raw.splitlines(keepends=True):
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            break
        if not line.endswith(b"\n"):
            break
        done[int(entry["index"])] = entry
        valid += len(line)
    if valid < len(raw):
        with journal.open("r+b") as handle:
            handle.truncate(valid)
    return done


def _process_batch(
    data: Path,
    out: Path,
    columns: tuple[str, ...],
    options: SanitizeOptions,
    items: Sequence[tuple[int, Row, Mapping[str, Pseudonymized]]],
) -> list[dict[str, Any]]:
    return [_process(data, out, row, i, columns, options, pii) for i, row, pii in items]


def _process(
    data: Path,
    out: Path,
    row: Row,
    index: int,
    columns: tuple[str, ...],
    options: SanitizeOptions,
    pii: Mapping[str, Pseudonymized],
) -> dict[str, Any]:
    """Redact a row's image into ``out`` and take its captions' pseudonyms from ``pii``."""
    fields = dict(row.fields)
    audit: list[dict[str, Any]] = []
    for column in columns:
        value = fields.get(column)
        if isinstance(value, str):
            fields[column], found = _pseudonymize(row, column, pii[value], {})
            audit.extend(found)
        elif isinstance(value, list):  # an image's several captions, one at a time
            texts = []
            for k, text in enumerate(value):
                if not isinstance(text, str):
                    texts.append(text)
                    continue
                clean, found = _pseudonymize(row, column, pii[text], {"index": k})
                texts.append(clean)
                audit.extend(found)
            fields[column] = texts
    source = inside(data, row.file)
    target = inside(out, row.file, "output image")  # never outside --out, never the input
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    raw = source.read_bytes()
    with Image.open(io.BytesIO(raw)) as original:
        kept_format = original.format or "PNG"
    redacted, changes = redact(
        decode_image(raw, options.max_image_pixels), ocr=options.ocr, faces=options.faces
    )
    if changes:
        redacted.save(tmp, format=kept_format)
    else:
        tmp.write_bytes(raw)
    tmp.replace(target)
    audit.extend(
        _audit(
            row,
            "blur_face" if c.kind == "face" else "cover_pii_text",
            box=list(c.box),
            entity=c.what,
        )
        for c in changes
    )
    return {"index": index, "row": fields, "audit": audit}


def _pseudonymize(
    row: Row, column: str, done: Pseudonymized, where: dict[str, Any]
) -> tuple[str, list[dict[str, Any]]]:
    """A text's pseudonymised form, and an audit row per replacement."""
    clean, replaced = done
    return clean, [
        _audit(
            row,
            "pseudonymize",
            column=column,
            **where,
            entity=r.entity,
            original_sha256=short_hash(r.original),
            surrogate=r.surrogate,
        )
        for r in replaced
    ]
