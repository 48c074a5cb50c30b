"""Image folders in torchvision's ImageFolder layout, as OOD benchmarks and ImageNet copies ship:
``ROOT/<class>/<image>`` (the class is the folder's name), and ImageNet's WordNet ids made
readable.

The listing follows ``torchvision.datasets.ImageFolder`` (classes are the sorted sub-folder
names, files sorted within each, an image by its suffix, case-insensitive), so a copy that a
torchvision loader reads is read the same way here, without depending on torchvision. An
ImageNet-style folder names its classes by WordNet id (``n01440764``); the names come from a
mapping file beside the copy: ``LOC_synset_mapping.txt`` (Kaggle's ImageNet layout and the
devkit's ``synset_words.txt`` hold ``n01440764 tench, Tinca tinca`` per line), or an ImageNet-O /
ImageNet-A ``README.txt`` (the same lines among prose). No package we depend on ships the map,
and nothing is fetched: without a file, the wnid itself is the class name, with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from vlmtrust.data.benchmarks.layout import Fingerprint, Layout

#: torchvision's IMG_EXTENSIONS, and .gif (NINCO ships one)
IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp", ".gif"}
)
#: files that map WordNet ids to names, looked for in the copy and up to four folders up
#: (Kaggle's download keeps LOC_synset_mapping.txt beside ILSVRC/, four above its
#: ILSVRC/Data/CLS-LOC/val)
NAME_FILES = ("LOC_synset_mapping.txt", "synset_words.txt")
NAME_DEPTH = 4
_WNID = re.compile(r"n[0-9]{8}")
_NAME_LINE = re.compile(r"^(n[0-9]{8})[ \t]+(\S.*?)\s*$")


@dataclass(frozen=True)
class Image:
    """One image of a folder: its path relative to the folder, and its category (the class
    folder's name; ``""`` for an image directly in the folder)."""

    relative: str
    category: str


def is_image(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES


def class_images(root: Path, layout: Layout) -> list[Image]:
    """Every image of an ImageFolder (``root/<class>/<image>``, nested folders included, as
    torchvision walks them); images directly in ``root`` belong to no class and are not read.
    No class folder holding an image is a one-line error naming the layout."""
    images = list(_in_class_folders(root))
    if not images:
        raise layout.error(f"{root} has no class folders holding images")
    return images


def any_images(root: Path, layout: Layout) -> list[Image]:
    """Every image under ``root``, directly in it (category ``""``) or in class folders
    (category: the folder), for an OOD set that may be flat or grouped."""
    images = [Image(p.name, "") for p in sorted(root.iterdir()) if is_image(p)]
    images += _in_class_folders(root)
    if not images:
        raise layout.error(f"{root} holds no images")
    return images


def _in_class_folders(root: Path) -> Iterator[Image]:
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for file in sorted(folder.rglob("*")):
            if is_image(file):
                yield Image(file.relative_to(root).as_posix(), folder.name)


def is_wnid(name: str) -> bool:
    return _WNID.fullmatch(name) is not None


def name_file(root: Path) -> Path | None:
    """The first WordNet name file beside ``root`` or in one of its parents (None: none)."""
    for folder in (root, *list(root.resolve().parents)[:NAME_DEPTH]):
        for name in NAME_FILES:
            if (folder / name).is_file():
                return folder / name
    return None


def wnid_names(file: Path, fingerprint: Fingerprint | None = None) -> dict[str, str]:
    """``wnid -> name`` from the lines ``n01440764 tench, Tinca tinca`` of ``file`` (other
    lines skipped): the first of the comma-separated synonyms, as CLIP's prompts use them."""
    data = fingerprint.read(file, file.name) if fingerprint else file.read_bytes()
    names: dict[str, str] = {}
    for line in data.decode("utf-8", errors="replace").splitlines():
        match = _NAME_LINE.match(line.strip())
        if match:
            names.setdefault(match[1], match[2].split(",")[0].strip())
    return names


def readable(folders: Iterable[str], names: Mapping[str, str]) -> tuple[dict[str, str], int]:
    """``folder -> class name`` (a wnid by its name when ``names`` has it, else the folder's
    own name; a name two wnids share, ImageNet's two "crane"s, gets the wnid after it so the
    classes stay apart), and how many wnid folders had no name."""
    folders = list(dict.fromkeys(folders))
    named = [names.get(folder, folder) for folder in folders]
    out = {
        folder: f"{name} ({folder})" if name != folder and named.count(name) > 1 else name
        for folder, name in zip(folders, named, strict=True)
    }
    unnamed = sum(is_wnid(folder) and folder not in names for folder in folders)
    return out, unnamed
