"""The sanitize pipeline: index and dedup every row first (cheap, deterministic), then redact
the kept rows one by one, journaling each finished row so a killed run resumes where it stopped
and ends with exactly the output an uninterrupted run writes.

The input is only ever read. Output: OUT/<same image paths>, OUT/labels.<same format>,
OUT/audit.jsonl (one row per change; PII values appear only as a short hash, never in clear).
The journal lives in OUT/.sanitize/ and is removed when the run completes.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from vlmtrust.core.errors import ConfigError, DataError
from vlmtrust.core.images import DEFAULT_MAX_PIXELS, UnreadableImage, decode_image
from vlmtrust.core.outputs import check_output_dir
from vlmtrust.core.paths import OutsideRoot, inside
from vlmtrust.data import OUTSIDE
from vlmtrust.sanitize.dataset import Row, find_labels, read_rows, write_rows
from vlmtrust.sanitize.dedup import Mode, find_duplicates, image_hash
from vlmtrust.sanitize.pseudonymize import pseudonymize
from vlmtrust.sanitize.redact import redact

WORK_DIR = ".sanitize"


class SanitizeOptions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    dedup: Mode = "both"
    caption_threshold: float = Field(default=0.7, gt=0, le=1)
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


def short_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:12]


def sanitize(
    data: Path,
    out: Path,
    options: SanitizeOptions,
    progress: Callable[[int], Callable[[int], None]] | None = None,
    report_bad: Callable[[str], None] = lambda message: None,
) -> SanitizeSummary:
    """Write a sanitized copy of the image-folder dataset ``data`` to ``out``."""
    labels = find_labels(data)
    source, target = data.resolve(), out.resolve()
    if target == source or source in target.parents or target in source.parents:
        raise ConfigError(
            f"--out {out} and the input {data} overlap", "write to a folder outside the input"
        )
    check_output_dir(out)
    rows = read_rows(labels)
    hashes, bad = _index(data, rows, options, report_bad)
    audit: dict[int, list[dict[str, Any]]] = {}
    for i in bad:
        audit[i] = [_audit(rows[i], "skip_bad_image", reason=bad[i])]
    good = [i for i in range(len(rows)) if i not in bad]
    captions = [_caption(rows[i], options) for i in good]
    dups = find_duplicates(
        captions,
        [hashes[i] for i in good],
        options.dedup,
        options.caption_threshold,
        options.max_image_distance,
    )
    dropped = set()
    for d in dups:
        row, kept = rows[good[d.index]], rows[good[d.of]]
        dropped.add(good[d.index])
        audit[good[d.index]] = [
            _audit(
                row,
                "drop_duplicate",
                of=kept.id,
                caption_jaccard=d.caption_jaccard,
                image_distance=d.image_distance,
            )
        ]
    todo = [i for i in good if i not in dropped]
    journal = _open_work(out, labels, options)
    done = _read_journal(journal)
    advance = progress(len(todo)) if progress else (lambda n: None)
    advance(sum(1 for i in todo if i in done))
    with journal.open("a", encoding="utf-8") as handle:
        for i in todo:
            if i in done:
                continue
            line = json.dumps(_process(data, out, rows[i], i, options))
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
            done[i] = json.loads(line)  # the same form a resumed run reads back
            advance(1)
    out_rows = [done[i]["row"] for i in todo]
    for i in todo:
        audit[i] = done[i]["audit"]
    audit_rows = [a for i in sorted(audit) for a in audit[i]]
    write_rows(out / labels.name, out_rows)
    tmp = out / "audit.jsonl.tmp"
    tmp.write_text("".join(json.dumps(a, sort_keys=True) + "\n" for a in audit_rows))
    tmp.replace(out / "audit.jsonl")
    shutil.rmtree(out / WORK_DIR)
    return SanitizeSummary(len(rows), len(out_rows), len(dups), len(bad), len(audit_rows), out)


def _caption(row: Row, options: SanitizeOptions) -> str:
    return " ".join(str(row.fields[c]) for c in options.text_columns if c in row.fields)


def _audit(row: Row, action: str, **extra: Any) -> dict[str, Any]:
    return {"id": row.id, "file": row.file, "action": action, **extra}


def _index(
    data: Path, rows: list[Row], options: SanitizeOptions, report_bad: Callable[[str], None]
) -> tuple[dict[int, Any], dict[int, str]]:
    """Perceptual hashes of every image; unreadable ones fail the run (before anything is
    written) or are skipped and reported, as ``on_bad_data`` says."""
    hashes: dict[int, Any] = {}
    bad: dict[int, str] = {}
    for i, row in enumerate(rows):
        shown = data / row.file
        try:
            hashes[i] = image_hash(_read_image(data, row, options))
        except _BadImage as err:
            if options.on_bad_data == "fail":
                raise DataError(
                    f"image {shown} is {err}",
                    "fix or remove it, or pass --on-bad-data skip to leave it out",
                ) from None
            bad[i] = str(err)
            report_bad(f"skipped {shown}: {err}")
    return hashes, bad


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


def _open_work(out: Path, labels: Path, options: SanitizeOptions) -> Path:
    """The journal of this run; a different earlier run in ``out`` is an error, not mixed in."""
    fingerprint = hashlib.sha256(
        labels.read_bytes() + options.model_dump_json().encode()
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
    else:
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


def _process(
    data: Path, out: Path, row: Row, index: int, options: SanitizeOptions
) -> dict[str, Any]:
    fields = dict(row.fields)
    audit: list[dict[str, Any]] = []
    for column in options.text_columns:
        value = fields.get(column)
        if not isinstance(value, str):
            continue
        clean, replaced = pseudonymize(value, options.key)
        fields[column] = clean
        audit.extend(
            _audit(
                row,
                "pseudonymize",
                column=column,
                entity=r.entity,
                original_sha256=short_hash(r.original),
                surrogate=r.surrogate,
            )
            for r in replaced
        )
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
