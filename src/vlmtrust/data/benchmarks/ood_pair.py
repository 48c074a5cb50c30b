"""An out-of-distribution pair: an in-distribution ImageFolder and an OOD image folder, given as
one ``--data ood_pair:IN::OUT``.

``--data`` takes one path, and an OOD evaluation needs two copies that users keep apart (an
ImageNet val folder and ImageNet-O, NINCO, or an iNaturalist / SUN / Places OOD subset), so the
path is the two folders joined by ``::`` (a pair no ordinary path spells, and after the
``NAME:`` prefix :func:`vlmtrust.data.sources.split_data_arg` hands over the rest whole). A
manifest file would need a format of its own; a folder holding ``in/`` and ``out/`` would make
users move or link their copies out of their published layouts.

- IN: torchvision's ImageFolder layout, ``IN/<class>/<image>``; the class label is the folder's
  name, or, for ImageNet's WordNet-id folders, the name a ``LOC_synset_mapping.txt`` beside the
  copy gives (:mod:`.image_folder`). These classes are the label set the OOD task offers.
- OUT: images directly in it or in sub-folders (their names become the ``category`` label):
  MOS's iNaturalist / SUN / Places OOD subsets (``iNaturalist.tar.gz`` ... from
  pages.cs.wisc.edu/~huangrui/imagenet_ood_dataset, which loaders others wrote read with
  torchvision's ImageFolder, so their images sit in a sub-folder), NINCO's cleaned subsamples,
  or any folder of images.

Scenes are the in-distribution images (labels ``class``, ``ood`` false, ``wnid`` for a WordNet
folder); out-of-distribution requests get the OOD images (``ood`` true, ``category``), so
``robustness.ood`` and ``robustness.calibration`` score this pair instead of world scenes.
``--limit N`` keeps N images per side, taken one class in turn so a small N spans the classes;
the counts and the fingerprint cover every image (names and sizes, not their bytes: an
ImageNet folder is too large to read at each scan, and each image scored is keyed by its
content anyway), so results are keyed to the copies whatever ``--limit`` keeps.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vlmtrust.core.images import DEFAULT_MAX_PIXELS
from vlmtrust.core.paths import OutsideRoot, inside
from vlmtrust.core.records import Sample
from vlmtrust.data import OUTSIDE, BadItem, default_id, make_sample
from vlmtrust.data.benchmarks.image_folder import (
    Image,
    any_images,
    class_images,
    is_wnid,
    name_file,
    readable,
    wnid_names,
)
from vlmtrust.data.benchmarks.layout import (
    BenchmarkSource,
    Fingerprint,
    Layout,
    Loaded,
    exists,
    interleave,
    settle,
)
from vlmtrust.data.source import LoadOptions, OutOfDistribution, SampleRequest, Scenes

SEPARATOR = "::"
#: the label holding an in-distribution image's class
CLASS_LABEL = "class"
#: the category of an OOD image directly in the OOD folder
FLAT = "-"


class OodPair(BenchmarkSource):
    """The generic pair; a published OOD set subclasses it to find its own folder and check its
    published counts (:mod:`.imagenet_o`, :mod:`.ninco`)."""

    name = "ood_pair"
    layout = Layout(
        "ImageFolder OOD pair",
        "IN::OUT, IN an ImageFolder (IN/<class>/<image>; ImageNet wnid folders are named by a "
        "LOC_synset_mapping.txt beside it) and OUT a folder of OOD images (flat or in folders)",
    )
    expects = layout.files
    feeds = (
        "robustness.ood and robustness.calibration (in-distribution classes vs OOD images), "
        "and the robustness tasks that take labelled scenes (the IN images)"
    )
    get_it = "your own in-distribution ImageFolder and any OOD image folder"
    licence = "the data sets' own"
    class_labels = (CLASS_LABEL,)

    def __init__(self, loaded: Loaded, outside: Sequence[Sample]) -> None:
        super().__init__(loaded)
        self._outside = list(outside)

    @classmethod
    def open(cls, path: str, options: LoadOptions) -> OodPair:
        given_in, given_out = split_pair(path, cls.layout)
        in_root = _folder(given_in, cls.layout)
        out_root = cls.out_root(_folder(given_out, cls.layout))
        fingerprint = Fingerprint(in_root)
        in_images = class_images(in_root, cls.layout)
        out_images = cls.out_images(out_root)
        names: dict[str, str] = {}
        for file in (name_file(in_root), *cls.name_files(out_root)):
            if file is not None:
                names = {**wnid_names(file, fingerprint), **names}
        classes, unnamed = readable((i.category for i in in_images), names)
        for side, root, images in (("in", in_root, in_images), ("out", out_root, out_images)):
            for image in images:
                size = (root / image.relative).stat().st_size
                fingerprint.sized(f"{side}/{image.relative}", size)
        read = _Reader(cls.name, options.max_pixels)
        kept_in = interleave(in_images, lambda i: i.category)[: options.limit]
        kept_out = interleave(out_images, lambda i: i.category)[: options.limit]
        entries = [read.inside(in_root, i, classes[i.category]) for i in kept_in]
        entries += [read.outside(out_root, i) for i in kept_out]
        samples, skipped = settle(entries, options.on_bad)
        warnings = cls.count_warnings(out_images)
        if unnamed:
            warnings.append(
                f"{unnamed} of {len(classes)} class folders of {in_root} are WordNet ids with no "
                "name (no LOC_synset_mapping.txt beside it), so the ids are the class names"
            )
        if options.limit is not None and options.limit < len(classes):
            warnings.append(
                f"--limit {options.limit} keeps images of {options.limit} of the {len(classes)} "
                "in-distribution classes, and tasks offer only the classes kept"
            )
        counts = {
            "in": dict(Counter(classes[i.category] for i in in_images)),
            "out": dict(Counter(i.category or FLAT for i in out_images)),
        }
        inside_set = [s for s in samples if s.labels.get("ood") is False]
        outside_set = [s for s in samples if s.labels.get("ood") is True]
        loaded = Loaded(inside_set, skipped, warnings, fingerprint.hexdigest(), counts)
        return cls(loaded, outside_set)

    @classmethod
    def out_root(cls, given: Path) -> Path:
        """The folder holding the OOD images, from the OUT half of the path."""
        return given

    @classmethod
    def out_images(cls, root: Path) -> list[Image]:
        return any_images(root, cls.layout)

    @classmethod
    def name_files(cls, out_root: Path) -> tuple[Path, ...]:
        """Files beside the OOD copy that name WordNet ids too (ImageNet-O's README.txt)."""
        return ()

    @classmethod
    def count_warnings(cls, out_images: Sequence[Image]) -> list[str]:
        """Warnings where the OOD copy's counts are not the published ones (none published)."""
        return []

    def samples(self, request: SampleRequest) -> list[Sample]:
        if isinstance(request, Scenes):
            return list(self._loaded.samples)
        if isinstance(request, OutOfDistribution):
            return list(self._outside)
        raise self.cannot_supply(request)


def split_pair(path: str, layout: Layout) -> tuple[Path, Path]:
    """``(IN, OUT)`` from ``IN::OUT``."""
    if not path:
        raise layout.error("no path given (--data NAME:IN::OUT)")
    first, separator, second = path.partition(SEPARATOR)
    if not separator or not first or not second or SEPARATOR in second:
        raise layout.error(f"{path!r} is not two folders joined by '{SEPARATOR}'")
    return Path(first), Path(second)


def _folder(path: Path, layout: Layout) -> Path:
    if not exists(path, layout).is_dir():
        raise layout.error(f"{path} is not a directory")
    return path


class _Reader:
    """Reads one side's images into Samples (or BadItems saying why not)."""

    def __init__(self, source: str, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> None:
        self._source = source
        self._max_pixels = max_pixels

    def inside(self, root: Path, image: Image, name: str) -> Sample | BadItem:
        labels: dict[str, Any] = {CLASS_LABEL: name, "ood": False}
        if is_wnid(image.category):
            labels["wnid"] = image.category
        return self._read(root, image, _fields("in", image, labels))

    def outside(self, root: Path, image: Image) -> Sample | BadItem:
        labels = {"ood": True, "category": image.category or FLAT}
        return self._read(root, image, _fields("out", image, labels))

    def _read(self, root: Path, image: Image, fields: dict[str, Any]) -> Sample | BadItem:
        shown = str(root / image.relative)
        try:
            file = inside(root, image.relative)
        except OutsideRoot:
            return BadItem(path=shown, reason=OUTSIDE)
        try:
            data = file.read_bytes()
        except OSError as err:
            return BadItem(path=shown, reason=f"unreadable file ({err.strerror})")
        return make_sample(data, fields, f"{self._source}:{shown}", self._max_pixels)


def _fields(side: str, image: Image, labels: dict[str, Any]) -> dict[str, Any]:
    """A side's prefix keeps ids apart where both folders hold the same file name."""
    return {"id": f"{side}/{default_id(image.relative)}", "labels": labels}
