"""COCO captions (Chen et al. 2015, "Microsoft COCO Captions") read as cocodataset.org
distributes them: ``annotations_trainval2017.zip`` (or ``..._trainval2014.zip``) unpacked beside
the image zips::

    ROOT/annotations/captions_train2017.json   {"info", "licenses", "images": [{"id",
    ROOT/annotations/captions_val2017.json      "file_name", "height", "width", ...}],
                                                "annotations": [{"image_id", "id", "caption"}]}
    ROOT/train2017/000000391895.jpg ...         (file_name; ROOT/images/train2017/ also read)
    ROOT/val2017/...                            2014: captions_train2014.json, train2014/
                                                COCO_train2014_000000000009.jpg, val2014/ ...

Published counts (images / captions): train2017 118,287 / 591,753 and val2017 5,000 / 25,014
(checked against a copy's integrity log found by code search, and the two years' totals agree:
616,767 captions each); train2014 82,783 / 414,113 and val2014 40,504 / 202,654 (the image
counts as TensorFlow Datasets and the COCO site list them; 414,113 as the Arabic COCO 2014
translation counts it; 202,654 is what the 2017 total leaves, not read in a source). The keys
are those pycocotools' COCO class and the coco-caption evaluation code read (``images[].id``,
``images[].file_name``, ``annotations[].image_id``, ``annotations[].caption``).

Which split trained the model decides membership, so the path says it:
``--data coco_captions:ROOT`` reads 2017 (2014 when ROOT has no 2017 captions): members are the
train split, non-members the val split (the usual case: fine-tuned on train, evaluated on val);
``--data coco_captions:ROOT/annotations/captions_val2017.json`` makes that file's split the
members and the other split of its year the non-members. Each image is one sample (id
``train2017/000000391895``) carrying its first caption (annotation order); COCO's test split
publishes no captions and is not read. The Karpathy split of COCO (``dataset_coco.json``) is not
read here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vlmtrust.data import default_id
from vlmtrust.data.benchmarks.captions_layout import (
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

#: (images, captions) per split of the published annotation files
PUBLISHED = {
    "train2017": (118_287, 591_753),
    "val2017": (5_000, 25_014),
    "train2014": (82_783, 414_113),
    "val2014": (40_504, 202_654),
}
CAPTIONS = re.compile(r"captions_(?P<split>train|val)(?P<year>2014|2017)\.json")
LAYOUT = Layout(
    "COCO captions",
    "annotations/captions_train2017.json and captions_val2017.json (keys images[id, file_name] "
    "and annotations[image_id, caption]; or the 2014 files) with the images under train2017/ "
    "and val2017/ (file_name), as cocodataset.org publishes them",
)


class CocoCaptions(CaptionBenchmark):
    name = "coco_captions"
    layout = LAYOUT
    expects = LAYOUT.files + (
        "; PATH the root (members: train, non-members: val) or the members' captions file"
    )
    get_it = "cocodataset.org/#download (2017 Train/Val images, 2017 Train/Val annotations)"
    licence = "annotations CC BY 4.0; images under their Flickr owners' licences"

    @classmethod
    def open(cls, path: str, options: LoadOptions) -> CocoCaptions:
        root, members, others = splits(path)
        fingerprint = Fingerprint(root)
        entries: list[Captioned] = []
        counts: dict[str, dict[str, int]] = {}
        found: dict[str, int] = {}
        named: dict[str, int] = {}
        for split, member in ((members, True), (others, False)):
            file = exists(root / "annotations" / f"captions_{split}.json", LAYOUT)
            fingerprint.read(file)
            folder = image_folder(root, split)
            rows, captions = _read(file, split, folder, member)
            entries += rows
            counts[split] = {role(member): len(rows)}
            found[split], named[split] = captions, len(rows)
        published = {split: PUBLISHED[split][1] for split in (members, others)}
        title = f"COCO captions {members[-4:]}"
        warnings = short_copy(title, found, published, "captions")
        warnings += absent_warnings(title, entries, named)
        samples, skipped = load_pool(cls.name, entries, fingerprint, options)
        if not samples:
            raise LAYOUT.error(f"no usable images under {root} for the captions it holds")
        return cls(Loaded(samples, skipped, warnings, fingerprint.hexdigest(), counts))


def splits(path: str) -> tuple[Path, str, str]:
    """The copy's root, the members' split and the non-members' split."""
    if not path:
        raise LAYOUT.error("no path given (--data coco_captions:PATH)")
    given = exists(Path(path), LAYOUT)
    if given.is_file():
        match = CAPTIONS.fullmatch(given.name)
        if match is None or given.parent.name != "annotations":
            raise LAYOUT.error(f"{given} is not annotations/captions_<train|val><2014|2017>.json")
        split, year = match["split"], match["year"]
        other = "val" if split == "train" else "train"
        return given.parent.parent, f"{split}{year}", f"{other}{year}"
    for year in ("2017", "2014"):
        if (given / "annotations" / f"captions_train{year}.json").is_file():
            return given, f"train{year}", f"val{year}"
    raise LAYOUT.error(f"{given} has no annotations/captions_train2017.json (nor 2014)")


def image_folder(root: Path, split: str) -> Path:
    for folder in (root / split, root / "images" / split):
        if folder.is_dir():
            return folder
    raise LAYOUT.error(f"no {split}/ image folder under {root}")


@dataclass(frozen=True)
class CaptionsFile:
    """A checked ``captions_<split><year>.json``: the table as read (keys in the file's order),
    each image's id and file name in the file's order, and where each image's annotations are."""

    table: dict[str, Any]
    names: dict[Any, str]
    #: image id -> positions in ``table["annotations"]``, in annotation order
    notes: dict[Any, list[int]]

    def caption(self, position: int) -> str:
        """The caption of an annotation as the file has it (not stripped)."""
        return str(self.table["annotations"][position]["caption"])


def read_captions_file(file: Path) -> CaptionsFile:
    """The table, with a layout error naming the first image or annotation missing a key."""
    table = json_object(file, LAYOUT)
    images, annotations = _list(table, "images", file), _list(table, "annotations", file)
    names: dict[Any, str] = {}
    for i, image in enumerate(images):
        if not isinstance(image, dict) or "id" not in image or "file_name" not in image:
            raise LAYOUT.error(f"{file} images[{i}] has no 'id' or 'file_name'")
        names[image["id"]] = str(image["file_name"])
    notes: dict[Any, list[int]] = {}
    for i, note in enumerate(annotations):
        if not isinstance(note, dict) or "image_id" not in note or "caption" not in note:
            raise LAYOUT.error(f"{file} annotations[{i}] has no 'image_id' or 'caption'")
        if note["image_id"] not in names:
            raise LAYOUT.error(
                f"{file} annotations[{i}] names image_id {note['image_id']!r}, not in its images"
            )
        notes.setdefault(note["image_id"], []).append(i)
    return CaptionsFile(table, names, notes)


def _read(file: Path, split: str, folder: Path, member: bool) -> tuple[list[Captioned], int]:
    """One entry per image that has a caption, in the file's image order, and the captions."""
    read = read_captions_file(file)
    rows = [
        Captioned(
            split,
            name,
            folder,
            tuple(read.caption(i).strip() for i in read.notes[key]),
            default_id(f"{split}/{name}"),
            member,
        )
        for key, name in read.names.items()
        if key in read.notes
    ]
    return rows, len(read.table["annotations"])


def _list(table: dict[str, Any], key: str, file: Path) -> list[Any]:
    value = table.get(key)
    if not isinstance(value, list):
        raise LAYOUT.error(f"{file} has no {key!r} list")
    return value
