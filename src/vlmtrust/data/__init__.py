"""Dataset loaders: a user's own images, labels and groups as :class:`Sample` records.

Two layouts are read (see :func:`load_data`): an image folder with ``labels.csv`` or
``labels.jsonl`` (:mod:`vlmtrust.data.folder`), and a directory written by HF ``datasets``'
``save_to_disk`` (:mod:`vlmtrust.data.hf_disk`); both are registered data sources
(:mod:`vlmtrust.data.loaded`) beside the synthetic ``world``. Every image is decoded once at
load time, so a corrupt file is reported before a scan starts, never half-way through it, and a
bad item is either an error or listed in ``skipped``: it is never dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from PIL import ExifTags

from vlmtrust.core.errors import DataError
from vlmtrust.core.images import DEFAULT_MAX_PIXELS, UnreadableImage, open_image, upright_rgb
from vlmtrust.core.paths import inside
from vlmtrust.core.records import Sample, encode_png

__all__ = [
    "BadItem",
    "Layout",
    "LoadedData",
    "UnreadableImage",
    "collect",
    "default_id",
    "layout_of",
    "load_data",
    "make_sample",
]

OnBad = Literal["skip", "fail"]
Layout = Literal["folder", "hf_disk"]

LABEL_FILES = ("labels.csv", "labels.jsonl")
HF_DISK_MARKERS = ("dataset_info.json", "state.json", "dataset_dict.json")
# Formats every Pillow build decodes without plugins: their bytes are kept as they are.
KEPT_FORMATS = frozenset({"PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP"})

#: why an entry naming a file outside the dataset folder is a bad item (never read)
OUTSIDE = "outside the dataset folder (no '..', absolute paths or symlinks out of it)"

_LAYOUTS = (
    "expected a folder of images with labels.csv or labels.jsonl (a 'file' column/field per "
    "image), or a directory written by datasets' save_to_disk"
)


@dataclass(frozen=True)
class BadItem:
    """An entry that could not become a sample: where it is and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class LoadedData:
    """The samples read, and every entry that was skipped (never dropped silently)."""

    samples: list[Sample]
    skipped: list[BadItem]


def load_data(
    path: Path | str,
    on_bad: OnBad = "fail",
    limit: int | None = None,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
    layout: Layout | None = None,
) -> LoadedData:
    """Load a dataset directory as samples.

    ``limit`` keeps the first N entries in file (or row) order, so the subset is the same on
    every run whatever is bad in it. With ``on_bad="fail"`` any bad entry raises a DataError
    naming the first and counting the rest; with ``"skip"`` they are returned in ``skipped``.
    Images are read only from inside the dataset's folder and refused above ``max_pixels``
    (from their header, before decoding). ``layout`` None detects it (:func:`layout_of`).
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"dataset path {path} does not exist", "pass an existing directory")
    return collect(path, _read(path, layout or layout_of(path), limit, max_pixels), on_bad)


def collect(
    path: Path | str,
    items: Iterable[Sample | BadItem],
    on_bad: OnBad,
    how_to_skip: str = "on_bad='skip'",
) -> LoadedData:
    """The samples and bad items a loader yields: a duplicate id is an error, and so is any bad
    item with ``on_bad="fail"`` (naming the first, counting the rest, and ``how_to_skip``)."""
    samples: list[Sample] = []
    skipped: list[BadItem] = []
    sources: dict[str, str | None] = {}
    for item in items:
        if isinstance(item, BadItem):
            skipped.append(item)
            continue
        if item.id in sources:
            raise DataError(
                f"duplicate sample id {item.id!r} in {path} ({sources[item.id]} and {item.source})",
                "give each entry a unique id (or file name)",
            )
        sources[item.id] = item.source
        samples.append(item)
    if skipped and on_bad == "fail":
        first = skipped[0]
        more = f", and {len(skipped) - 1} more bad items" if len(skipped) > 1 else ""
        raise DataError(
            f"bad item {first.path}: {first.reason}{more}",
            f"fix or remove the bad items, or skip them ({how_to_skip}) to load the rest",
        )
    return LoadedData(samples=samples, skipped=skipped)


def layout_of(path: Path) -> Layout:
    """Which loader reads ``path``: ``hf_disk`` for a save_to_disk directory, else ``folder``."""
    if path.is_file() and path.suffix in (".csv", ".jsonl"):
        return "folder"
    if not path.is_dir():
        if not path.exists():
            raise DataError(f"dataset path {path} does not exist", "pass an existing directory")
        raise DataError(f"dataset path {path} is neither a directory nor a labels file", _LAYOUTS)
    if any((path / marker).is_file() for marker in HF_DISK_MARKERS):
        return "hf_disk"
    return "folder"


def _read(
    path: Path, layout: Layout, limit: int | None, max_pixels: int | None
) -> Iterable[Sample | BadItem]:
    """Read with the layout's loader; imports are lazy because ``datasets`` is slow to import."""
    if layout == "hf_disk":
        if not path.is_dir():
            raise DataError(f"dataset path {path} is not a save_to_disk directory", _LAYOUTS)
        from vlmtrust.data.hf_disk import read_hf_disk

        return read_hf_disk(path, limit, max_pixels)
    from vlmtrust.data.folder import read_folder

    if path.is_file() and path.suffix in (".csv", ".jsonl"):
        return read_folder(path, limit, max_pixels)
    if not path.is_dir():
        raise DataError(f"dataset path {path} is neither a directory nor a labels file", _LAYOUTS)
    label_files = [inside(path, name, "labels file") for name in LABEL_FILES]
    label_files = [file for file in label_files if file.is_file()]
    if len(label_files) > 1:
        raise DataError(
            f"{path} has both labels.csv and labels.jsonl", "keep one of them, or pass it directly"
        )
    if label_files:
        return read_folder(label_files[0], limit, max_pixels)
    raise DataError(f"{path} is not a dataset vlmtrust can read", _LAYOUTS)


def default_id(file: str) -> str:
    """A row's id when it names none: its file without the extension (``sub/a.png`` ->
    ``sub/a``); a name with nothing to strip (``.``, ``sub/``) stays as it is."""
    path = PurePosixPath(file)
    return path.with_suffix("").as_posix() if path.name else file


def checked_image(data: bytes, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> bytes:
    """Decode ``data`` fully (refusing more than ``max_pixels``) and return the bytes a Sample
    should carry.

    The original bytes are kept when every Pillow decodes them to the same picture; other
    formats, animations and EXIF-rotated photos are re-encoded as PNG (first frame, upright), so
    every reader sees what the user saw.
    """
    image = open_image(data, max_pixels)
    rgb = upright_rgb(image)  # what Sample.load_image does; some modes fail only here
    rotated = image.getexif().get(ExifTags.Base.Orientation, 1) != 1
    animated = getattr(image, "is_animated", False)
    if image.format in KEPT_FORMATS and not rotated and not animated:
        return data
    return encode_png(rgb)


def make_sample(
    data: bytes, fields: dict[str, Any], source: str, max_pixels: int | None = DEFAULT_MAX_PIXELS
) -> Sample | BadItem:
    """A Sample from ``fields`` and checked image bytes, or a BadItem saying why not."""
    try:
        image = checked_image(data, max_pixels)
    except UnreadableImage as err:
        return BadItem(path=source, reason=str(err))
    return Sample.model_validate({**fields, "image": image, "source": source})
