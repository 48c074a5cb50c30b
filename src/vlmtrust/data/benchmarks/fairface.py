"""FairFace (Karkkainen & Joo, WACV 2021) read as its authors distribute it.

Layout, from github joojs/fairface README.md (labels and image zips) and dchen236/FairFace
README.md (the authors' code: the race, gender and age vocabularies), with the columns and the
spelling of each value as in the label files (the Hugging Face ``datasets`` loading script for
FairFace reads them the same way: ``file, age, gender, race, service_test``)::

    ROOT/fairface_label_train.csv   file,age,gender,race,service_test  (86,744 rows)
    ROOT/fairface_label_val.csv     the same columns                   (10,954 rows)
    ROOT/train/1.jpg ...            from the image zip; ``file`` is ``train/1.jpg``
    ROOT/val/1.jpg ...

The images may also sit one folder down, in the zip's own folder name
(``fairface-img-margin025-trainval/`` or ``...margin125...``: face crops with padding 0.25 or
1.25). ``--data fairface:ROOT`` reads the val split (the released evaluation split; the paper's
test split was never released); ``--data fairface:ROOT/fairface_label_train.csv`` reads that
file's split. Groups: ``race`` (7: the label files' only race column; the authors' 4-race
scheme White/Black/Asian/Indian is an output of their model, not a label file), ``gender`` and
``age`` (9 bins); all three stay labels too, with ``service_test`` and ``split``. A row with a
value outside these vocabularies, or an image that is missing or unreadable, is a bad item.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import ClassVar

from vlmtrust.core.errors import DataError
from vlmtrust.core.images import DEFAULT_MAX_PIXELS
from vlmtrust.core.paths import OutsideRoot, inside
from vlmtrust.core.records import Sample
from vlmtrust.data import OUTSIDE, BadItem, collect, default_id, make_sample
from vlmtrust.data.benchmarks.group_layout import GroupBenchmark
from vlmtrust.data.benchmarks.layout import Layout, exists, short_copy
from vlmtrust.data.source import LoadOptions
from vlmtrust.data.table import csv_rows

RACES = (
    "White",
    "Black",
    "Latino_Hispanic",
    "East Asian",
    "Southeast Asian",
    "Indian",
    "Middle Eastern",
)
GENDERS = ("Male", "Female")
AGES = ("0-2", "3-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "more than 70")
COLUMNS = ("file", "age", "gender", "race", "service_test")
#: rows per split of the released label files
PUBLISHED = {"train": 86_744, "val": 10_954}
LABEL_FILE = "fairface_label_{}.csv"
IMAGE_FOLDERS = ("", "fairface-img-margin025-trainval", "fairface-img-margin125-trainval")
LAYOUT = Layout(
    "FairFace",
    "fairface_label_val.csv / fairface_label_train.csv with columns "
    "file,age,gender,race,service_test, and the images under val/ and train/ beside them "
    "(file = val/1.jpg), as github joojs/fairface publishes them",
)
_VOCABULARY = {"race": RACES, "gender": GENDERS, "age": AGES}


class FairFaceSource(GroupBenchmark):
    name = "fairface"
    expects = LAYOUT.files
    get_it = "github.com/joojs/fairface (label CSVs and image zips on Google Drive)"
    feeds = "fairness tasks, per race, gender and age group (not counterfactual twins or prompts)"
    licence = "CC BY 4.0"
    attributes: ClassVar[Mapping[str, tuple[str, ...]]] = _VOCABULARY
    class_labels = ("gender", "race")

    @classmethod
    def open(cls, path: str, options: LoadOptions) -> FairFaceSource:
        if not path:
            raise DataError("--data fairface: names no path", "pass --data fairface:ROOT")
        labels_file, split = _labels_file(Path(path))
        images = _image_root(labels_file, split)
        entries: list[Sample | BadItem] = []
        rows = 0
        for line, cells in csv_rows(_lines(labels_file), labels_file, LAYOUT.fix, required=COLUMNS):
            rows += 1
            if options.limit is None or len(entries) < options.limit:
                row = (line, split)
                entries.append(_entry(labels_file, images, row, cells, options.max_pixels))
        loaded = collect(labels_file, entries, options.on_bad)
        if not loaded.samples:
            raise LAYOUT.error(f"no usable samples in {labels_file}")
        warnings = short_copy(f"FairFace {split} ({labels_file.name})", rows, PUBLISHED[split])
        return cls(loaded.samples, loaded.skipped, warnings, split)


def _labels_file(path: Path) -> tuple[Path, str]:
    """The label file to read and its split: ``path`` itself, or the val file in it."""
    exists(path, LAYOUT)
    if path.is_file():
        split = next((s for s in PUBLISHED if path.name == LABEL_FILE.format(s)), None)
        if split is None:
            raise LAYOUT.error(f"{path} is not a FairFace label file")
        return path, split
    return exists(path / LABEL_FILE.format("val"), LAYOUT), "val"


def _image_root(labels_file: Path, split: str) -> Path:
    for folder in IMAGE_FOLDERS:
        root = labels_file.parent / folder if folder else labels_file.parent
        if (root / split).is_dir():
            return root
    raise LAYOUT.error(f"no {split}/ image folder beside {labels_file}")


def _lines(labels_file: Path) -> Iterator[str]:
    try:
        with labels_file.open(newline="", encoding="utf-8-sig") as handle:
            yield from handle
    except UnicodeDecodeError as err:
        problem = f"{labels_file} is not UTF-8 text ({err.reason})"
        raise DataError(problem, "save it as UTF-8") from None


def _entry(
    labels_file: Path,
    images: Path,
    row: tuple[int, str],
    cells: dict[str, str | None],
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
) -> Sample | BadItem:
    """One label row as a Sample (``row``: its line and split), or a BadItem saying why not."""
    line, split = row
    where = f"{labels_file} line {line}"
    values = {column: (cells.get(column) or "").strip() for column in COLUMNS}
    for attribute, vocabulary in _VOCABULARY.items():
        if values[attribute] not in vocabulary:
            known = ", ".join(vocabulary)
            return BadItem(where, f"{attribute} {values[attribute]!r} is not one of {known}")
    if values["service_test"] not in ("True", "False"):
        return BadItem(where, f"service_test {values['service_test']!r} is not True or False")
    file = values["file"]
    if not file:
        return BadItem(where, "no file named")
    try:
        image = inside(images, file)
    except OutsideRoot:
        return BadItem(str(images / file), OUTSIDE)
    if not image.is_file():
        return BadItem(str(image), "missing file")
    groups = {attribute: values[attribute] for attribute in _VOCABULARY}
    fields = {
        "id": default_id(file),
        "labels": {
            **groups,
            "service_test": values["service_test"] == "True",
            "split": split,
        },
        "groups": groups,
    }
    try:
        data = image.read_bytes()
    except OSError as err:
        return BadItem(str(image), f"unreadable file ({err.strerror})")
    return make_sample(data, fields, f"fairface:{image}", max_pixels)
