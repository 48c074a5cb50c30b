"""Flickr30k (Young et al. 2014) as it is commonly distributed: the authors' caption file and
image archive, and Karpathy & Fei-Fei's split file (``caption_datasets.zip`` from
cs.stanford.edu/people/karpathy/deepimagesent, the split every retrieval and captioning paper
since reports on)::

    ROOT/flickr30k-images/1000092795.jpg ...   the authors' flickr30k-images.tar
                                               (flickr30k_images/, Kaggle's copy, also read)
    ROOT/dataset_flickr30k.json                Karpathy: {"images": [{"filename", "split":
                                               train|val|test, "sentences": [{"raw", "tokens",
                                               ...}], "imgid", "sentids"}], "dataset": "flickr30k"}
    ROOT/results_20130124.token                the authors': ``1000092795.jpg#0<TAB>caption``

The keys and the token line format are those read by the loaders found by code search (image
retrieval and captioning repositories reading ``img['filename']``, ``img['split']``,
``sentences[]['raw']``; token readers splitting on the tab and the ``#``); the split file may
also sit in ``caption_datasets/``. Published counts: the authors' 31,783 images with 158,915
captions (5 each); Karpathy's split 29,000 train, 1,014 val and 1,000 test images (31,014, the
counts Multi30K reuses), not read from the split file itself.

Membership: ``--data flickr30k:ROOT`` with the split file makes Karpathy's train split the
members and its test split the non-members (val is counted, not scanned); with the token file
only there is no split, so the images answer caption tasks' scenes and membership inference is
not supplied (the reason names the split file). Each image is one sample (id ``1000092795``)
carrying its first caption.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vlmtrust.core.errors import DataError
from vlmtrust.data import default_id
from vlmtrust.data.benchmarks.captions_layout import (
    UNUSED,
    CaptionBenchmark,
    Captioned,
    absent_warnings,
    load_pool,
    role,
)
from vlmtrust.data.benchmarks.layout import (
    Fingerprint,
    Layout,
    Loaded,
    exists,
    json_object,
    short_copy,
)
from vlmtrust.data.source import LoadOptions
from vlmtrust.data.table import read_utf8

SPLIT_FILE = "dataset_flickr30k.json"
TOKEN_FILE = "results_20130124.token"
IMAGE_FOLDERS = ("flickr30k-images", "flickr30k_images")
#: Karpathy's split, in images
PUBLISHED_SPLIT = {"train": 29_000, "val": 1_014, "test": 1_000}
#: images in the authors' caption file (158,915 captions, 5 each)
PUBLISHED_IMAGES = 31_783
#: the side of each Karpathy split (None: counted, not scanned)
SIDES: dict[str, bool | None] = {"train": True, "test": False, "val": None}
LAYOUT = Layout(
    "Flickr30k",
    f"{SPLIT_FILE} (Karpathy: images[filename, split, sentences[raw]]) or {TOKEN_FILE} "
    "(<image>.jpg#<k><TAB><caption>) beside flickr30k-images/",
)


class Flickr30k(CaptionBenchmark):
    name = "flickr30k"
    layout = LAYOUT
    expects = LAYOUT.files + "; members: Karpathy train, non-members: Karpathy test"
    get_it = (
        "images and results_20130124.token from the authors (shannon.cs.illinois.edu/"
        "DenotationGraph, by request); dataset_flickr30k.json in Karpathy's caption_datasets.zip"
    )
    licence = "research use under Flickr's terms; images under their owners' licences"

    @classmethod
    def open(cls, path: str, options: LoadOptions) -> Flickr30k:
        root, file = find_copy(path)
        folder = image_folder(root)
        fingerprint = Fingerprint(root)
        fingerprint.read(file)
        if file.name == TOKEN_FILE:
            entries = _read_tokens(file, folder)
            counts = {"all": {role(None): len(entries)}}
            warnings = short_copy(
                f"Flickr30k {TOKEN_FILE}", len(entries), PUBLISHED_IMAGES, "images"
            )
            no_membership: str | None = (
                f"{TOKEN_FILE} has no train/test split, so no image is known to be a member "
                f"(add Karpathy's {SPLIT_FILE} beside it)"
            )
        else:
            entries = _read_split(file, folder)
            found: dict[str, int] = {}
            for entry in entries:
                found[entry.split] = found.get(entry.split, 0) + 1
            counts = {
                split: {role(SIDES[split]) if SIDES[split] is not None else UNUSED: n}
                for split, n in found.items()
            }
            warnings = short_copy(f"Flickr30k {SPLIT_FILE}", found, PUBLISHED_SPLIT, "images")
            no_membership = None
        scanned = [e for e in entries if e.split != "val"]
        named = {split: n for split, side in counts.items() for n in side.values()}
        warnings += absent_warnings("Flickr30k", scanned, named)
        samples, skipped = load_pool(cls.name, scanned, fingerprint, options)
        if not samples:
            raise LAYOUT.error(f"no usable images in {folder} for the captions {file.name} holds")
        loaded = Loaded(samples, skipped, warnings, fingerprint.hexdigest(), counts)
        return cls(loaded, no_membership)


def find_copy(path: str) -> tuple[Path, Path]:
    """The copy's root and the caption file to read: the split file where there is one."""
    if not path:
        raise LAYOUT.error("no path given (--data flickr30k:PATH)")
    given = exists(Path(path), LAYOUT)
    if given.is_file():
        if given.name not in (SPLIT_FILE, TOKEN_FILE):
            raise LAYOUT.error(f"{given} is neither {SPLIT_FILE} nor {TOKEN_FILE}")
        root = given.parent
        return (root.parent if root.name == "caption_datasets" else root), given
    for candidate in (given / SPLIT_FILE, given / "caption_datasets" / SPLIT_FILE):
        if candidate.is_file():
            return given, candidate
    if (given / TOKEN_FILE).is_file():
        return given, given / TOKEN_FILE
    raise LAYOUT.error(f"{given} has no {SPLIT_FILE} nor {TOKEN_FILE}")


def image_folder(root: Path) -> Path:
    for name in IMAGE_FOLDERS:
        if (root / name).is_dir():
            return root / name
    raise LAYOUT.error(f"no flickr30k-images/ folder under {root}")


def read_split_file(file: Path, folder: Path) -> tuple[dict[str, Any], list[Captioned | None]]:
    """Karpathy's table as read, and per image (in its order) its entry (None: no caption)."""
    table = json_object(file, LAYOUT)
    images = table.get("images")
    if not isinstance(images, list):
        raise LAYOUT.error(f"{file} has no 'images' list")
    if table.get("dataset", "flickr30k") != "flickr30k":
        raise LAYOUT.error(f"{file} is the split file of {table['dataset']!r}, not flickr30k")
    return table, [_split_entry(file, folder, i, image) for i, image in enumerate(images)]


def _read_split(file: Path, folder: Path) -> list[Captioned]:
    """Karpathy's entries with a caption, members (train) first, then test, then val."""
    entries = [e for e in read_split_file(file, folder)[1] if e is not None]
    order = {"train": 0, "test": 1, "val": 2}
    return sorted(entries, key=lambda e: order[e.split])


def _split_entry(file: Path, folder: Path, i: int, image: Any) -> Captioned | None:
    if not isinstance(image, dict) or not {"filename", "split", "sentences"} <= image.keys():
        raise LAYOUT.error(f"{file} images[{i}] has no 'filename', 'split' or 'sentences'")
    split = image["split"]
    if split not in SIDES:
        raise LAYOUT.error(f"{file} images[{i}] has split {split!r}, not train, val or test")
    sentences = image["sentences"]
    if not isinstance(sentences, list) or not all(
        isinstance(s, dict) and "raw" in s for s in sentences
    ):
        raise LAYOUT.error(f"{file} images[{i}] has sentences without 'raw'")
    captions = tuple(str(s["raw"]).strip() for s in sentences)
    if not captions:
        return None
    name = str(image["filename"])
    return Captioned(split, name, folder, captions, default_id(name), SIDES[split])


def token_lines(file: Path) -> list[tuple[str, str, str]]:
    """Each caption line of the token file as (``<image>.jpg#<k>``, image, caption as written);
    blank lines are left out."""
    try:
        text = read_utf8(file)
    except DataError as err:
        raise LAYOUT.error(err.problem) from None
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, tab, caption = line.partition("\t")
        name, hash_mark, k = key.partition("#")
        if not tab or not hash_mark or not k.isdigit() or not name:
            raise LAYOUT.error(f"{file} line {number} is not <image>.jpg#<k><TAB><caption>")
        lines.append((key, name, caption))
    return lines


def _read_tokens(file: Path, folder: Path) -> list[Captioned]:
    """One entry per image of the token file, in first-seen order."""
    captions: dict[str, list[str]] = {}
    for _, name, caption in token_lines(file):
        captions.setdefault(name, []).append(caption.strip())
    return [
        Captioned("all", name, folder, tuple(texts), default_id(name), None)
        for name, texts in captions.items()
    ]
