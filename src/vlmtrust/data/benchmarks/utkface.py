"""UTKFace (Zhang, Song & Qi, CVPR 2017): labels in each image's file name.

The convention, from the UTKFace page (susanqq.github.io/UTKFace, quoted in the READMEs of
github jgabriellima/race_gender_recognition and dxtaner/FaceImageClaassification)::

    [age]_[gender]_[race]_[date&time].jpg      in-the-wild faces: part1/ part2/ part3/
    [age]_[gender]_[race]_[date&time].jpg.chip.jpg   aligned & cropped: UTKFace/ (23,708 files)

age is an integer 0-116; gender 0 (male) or 1 (female); race 0-4: White, Black, Asian, Indian
and Others (like Hispanic, Latino, Middle Eastern); date&time is yyyymmddHHMMSSFFF.
``--data utkface:PATH`` reads PATH's images, or those of its ``UTKFace/``, ``crop_part1/`` or
``part1/``-``part3/`` folders, in file-name order. A few published files break the convention
(``39_1_20170116174525125.jpg.chip.jpg`` has no race): every name that does not parse is a bad
item, listed, never dropped silently nor guessed. Groups: ``gender`` and ``race`` in the page's
words, and ``age`` binned as FairFace's nine age groups (so the two compare; the integer age
stays a label). Only the aligned & cropped set has a count to check (23,708 files, as its
mirrors, e.g. Kaggle jangedoo/utkface-new, hold).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

from vlmtrust.core.errors import DataError
from vlmtrust.core.images import DEFAULT_MAX_PIXELS
from vlmtrust.core.records import Sample
from vlmtrust.data import BadItem, collect, make_sample
from vlmtrust.data.benchmarks.fairface import AGES
from vlmtrust.data.benchmarks.group_layout import GroupBenchmark
from vlmtrust.data.benchmarks.layout import Layout, exists, short_copy
from vlmtrust.data.source import LoadOptions

GENDERS = ("male", "female")
RACES = ("White", "Black", "Asian", "Indian", "Others")
MAX_AGE = 116
#: files in the aligned & cropped set (UTKFace.tar.gz -> UTKFace/)
PUBLISHED_ALIGNED = 23_708
FOLDERS = (("UTKFace",), ("crop_part1",), ("part1", "part2", "part3"))
NAME = re.compile(r"(?P<age>\d+)_(?P<gender>\d+)_(?P<race>\d+)_(?P<taken>\d+)\.jpg(\.chip\.jpg)?")
CONVENTION = "[age]_[gender]_[race]_[date&time].jpg (or .jpg.chip.jpg)"
LAYOUT = Layout(
    "UTKFace",
    f"a folder of images named {CONVENTION}, or the folder holding UTKFace/, crop_part1/ or "
    "part1/-part3/, as susanqq.github.io/UTKFace publishes them",
)
#: FairFace's age groups' upper bounds (the last is open)
_AGE_TOPS = (2, 9, 19, 29, 39, 49, 59, 69)


class UTKFaceSource(GroupBenchmark):
    name = "utkface"
    expects = LAYOUT.files
    get_it = "susanqq.github.io/UTKFace (Google Drive; non-commercial research use)"
    feeds = "fairness tasks, per race, gender and age group (not counterfactual twins or prompts)"
    licence = "non-commercial research only; images' copyright stays with their owners"
    attributes: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "race": RACES,
        "gender": GENDERS,
        "age": AGES,
    }
    class_labels = ("gender", "race")

    @classmethod
    def label_values(cls, label: str) -> tuple[str, ...] | None:
        """The ``age`` label is the age in years; its group is the ``age_group`` label."""
        return {"race": RACES, "gender": GENDERS, "age_group": AGES}.get(label)

    @classmethod
    def open(cls, path: str, options: LoadOptions) -> UTKFaceSource:
        if not path:
            raise DataError("--data utkface: names no path", "pass --data utkface:FOLDER")
        files = _files(exists(Path(path), LAYOUT))
        chosen = files if options.limit is None else files[: options.limit]
        loaded = collect(path, (_entry(f, options.max_pixels) for f in chosen), options.on_bad)
        if not loaded.samples:
            raise LAYOUT.error(f"no usable samples in {path}")
        warnings = []
        if {f.parent.name for f in files} == {"UTKFace"}:
            warnings = short_copy(
                "UTKFace (aligned & cropped)", len(files), PUBLISHED_ALIGNED, "images"
            )
        return cls(loaded.samples, loaded.skipped, warnings)


def _files(path: Path) -> list[Path]:
    """Every entry of the image folder(s), in name order (hidden files aside)."""
    if not path.is_dir():
        raise LAYOUT.error(f"{path} is not a folder")
    for names in ((), *FOLDERS):
        folders = [path / name for name in names] if names else [path]
        found = sorted(
            (f for folder in folders if folder.is_dir() for f in folder.iterdir()),
            key=lambda f: (f.parent.name, f.name),
        )
        entries = [f for f in found if f.is_file() and not f.name.startswith(".")]
        if any(f.name.lower().endswith(".jpg") for f in entries):
            return entries
    raise LAYOUT.error(f"no UTKFace images in {path}")


def age_group(age: int) -> str:
    """FairFace's age group of an age in years."""
    return next((g for g, top in zip(AGES, _AGE_TOPS, strict=False) if age <= top), AGES[-1])


def _entry(file: Path, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> Sample | BadItem:
    found = NAME.fullmatch(file.name)
    if found is None:
        return BadItem(str(file), f"file name is not {CONVENTION}")
    age, gender, race = (int(found[k]) for k in ("age", "gender", "race"))
    if age > MAX_AGE or gender >= len(GENDERS) or race >= len(RACES):
        why = f"age {age} (0-{MAX_AGE}), gender {gender} (0-1) or race {race} (0-4) is out of range"
        return BadItem(str(file), why)
    try:
        data = file.read_bytes()
    except OSError as err:
        return BadItem(str(file), f"unreadable file ({err.strerror})")
    groups = {"race": RACES[race], "gender": GENDERS[gender], "age": age_group(age)}
    stem = file.name.split(".", 1)[0]
    fields = {
        "id": f"{file.parent.name}/{stem}",
        "labels": {**groups, "age": age, "age_group": groups["age"]},
        "groups": groups,
    }
    return make_sample(data, fields, f"utkface:{file}", max_pixels)
