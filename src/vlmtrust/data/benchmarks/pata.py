"""PATA, the Protected-Attribute Tag Association benchmark (Seth, Hemani & Agarwal, CVPR 2023,
"DeAR"), read as its authors distribute it, with the images a user downloaded.

Layout, from github pata-fairness/pata_dataset (commit c65a7f3: README.md, the two files)::

    ROOT/pata_fairness.files.lst       4,934 lines ``scene_race_gender_age|image URL``
    ROOT/pata_fairness.captions.json   24 scenes: {"short", "long", "pos": {"races", "gender",
                                       "age": [captions]}, "neg": {the same}}
    ROOT/images/<line>.<ext>           the image of line <line> (0-based), as downloaded

The authors publish URLs only (no images, no download script), so the images are the user's
download: ``images/<line>.jpg`` (or .png ...), numbered by the 0-based line of the files list,
the scheme of the one published loader that keeps each line's scene (UnbiasAE's ``PATA``
dataset: ``images/{i}.jpg`` for line i). The annotations.csv layout of other download scripts
(``pata-{gender}-{ethnicity}-{age}-{n}.png``) drops the scene, so it is not read. A listed image
not downloaded (dead links are common) is counted in a warning, never guessed; a downloaded file
that is not a readable image is a bad item. Scenes are parsed from the right of the label
(``gun_range``, ``drinking_water`` and ``fashion_show`` hold underscores) and must be a scene of
the captions file; races, genders and ages are spelled as in the list (``eastasian``,
``caucasian``; ``young``/``old``), with the README's counts checked. Groups: race, gender, age;
the class label is the scene in words (``gun range``). Prompts: each distinct caption, labelled
with its scene, attribute (race/gender/age) and polarity (positive/negative), for the tasks that
score text (``fairness.prompt_bias``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from vlmtrust.core.errors import DataError
from vlmtrust.core.images import DEFAULT_MAX_PIXELS
from vlmtrust.core.records import Sample
from vlmtrust.data import BadItem, collect
from vlmtrust.data.benchmarks.group_layout import GroupBenchmark
from vlmtrust.data.benchmarks.layout import (
    Fingerprint,
    Layout,
    exists,
    image_sample,
    short_copy,
)
from vlmtrust.data.source import DataSummary, LoadOptions, Prompts, SampleRequest
from vlmtrust.data.table import read_utf8

FILES = "pata_fairness.files.lst"
CAPTIONS = "pata_fairness.captions.json"
IMAGES = "images"
RACES = ("black", "caucasian", "eastasian", "hispanic", "indian")
GENDERS = ("female", "male")
AGES = ("young", "old")
#: the scenes of the captions file, in its order (``yatch`` as published)
SCENES = (
    "office", "fashion_show", "sports", "car", "doctor", "pilot", "soldier", "singer",
    "shopping", "lab", "garden", "yatch", "gun_range", "hotel", "gym", "forest", "kitchen",
    "drinking_water", "running", "computer", "construction", "roadside", "bench",
    "photographer",
)  # fmt: skip
#: the captions file's keys per attribute -> our group attribute
CAPTION_KEYS = {"races": "race", "gender": "gender", "age": "age"}
#: the README's table: images per race (the list's lines)
PUBLISHED_RACES = {
    "black": 1_024,
    "caucasian": 1_033,
    "eastasian": 1_095,
    "hispanic": 948,
    "indian": 834,
}
PUBLISHED_LINES = 4_934
IMAGE_NAME = re.compile(r"(?P<line>\d+)\.(?:jpe?g|png|webp|gif|bmp)", re.IGNORECASE)
LAYOUT = Layout(
    "PATA",
    f"{FILES} and {CAPTIONS} as github pata-fairness/pata_dataset publishes them, with the "
    f"downloaded images as {IMAGES}/<line>.jpg (<line>: 0-based line of {FILES})",
)


class PATASource(GroupBenchmark):
    name = "pata"
    expects = LAYOUT.files
    get_it = (
        "github.com/pata-fairness/pata_dataset (the URL list and captions; download the images "
        f"yourself into {IMAGES}/<line>.jpg)"
    )
    feeds = (
        "fairness tasks per race, gender and age, predicting the scene; its positive and "
        "negative captions as prompts (fairness.prompt_bias); not counterfactual twins"
    )
    licence = (
        "no licence file in the authors' repository; images' copyright stays with their owners"
    )
    attributes: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "race": RACES,
        "gender": GENDERS,
        "age": AGES,
    }
    class_labels = ("scene",)

    def __init__(
        self,
        samples: Sequence[Sample],
        skipped: Sequence[BadItem] = (),
        warnings: Sequence[str] = (),
        captions: Sequence[Sample] = (),
    ) -> None:
        super().__init__(samples, skipped, warnings, split="all")
        self._captions = tuple(captions)

    @classmethod
    def label_values(cls, label: str) -> tuple[str, ...] | None:
        if label == "scene":
            return tuple(_words(scene) for scene in SCENES)
        return dict(cls.attributes).get(label)

    def summary(self) -> DataSummary:
        """The groups' rows, and the rows per scene (``scene=...``) beside them."""
        base = super().summary()
        per = Counter(f"scene={s.labels['scene']}" for s in self._samples)
        counts = {split: {**rows, **per} for split, rows in base.counts.items()}
        return replace(base, counts=counts)

    @classmethod
    def open(cls, path: str, options: LoadOptions) -> PATASource:
        if not path:
            raise DataError("--data pata: names no path", "pass --data pata:ROOT")
        root = exists(Path(path), LAYOUT)
        if not root.is_dir():
            raise LAYOUT.error(f"{root} is not a folder")
        captions = _captions(exists(root / CAPTIONS, LAYOUT))
        lines = read_utf8(exists(root / FILES, LAYOUT)).splitlines()
        images = _images(exists(root / IMAGES, LAYOUT))
        fingerprint = Fingerprint(root)
        entries: list[Sample | BadItem] = []
        races: Counter[str] = Counter()
        listed = 0
        for number, line in enumerate(lines):
            if not line.strip():
                continue
            listed += 1
            parsed = _parse(line, set(captions))
            if isinstance(parsed, str):
                entries.append(BadItem(f"{root / FILES} line {number + 1}", parsed))
                continue
            races[parsed["race"]] += 1
            found = images.get(number)
            if found is None or (options.limit is not None and len(entries) >= options.limit):
                continue
            entries.append(_entry(root, number, found, parsed, fingerprint, options.max_pixels))
        loaded = collect(root / FILES, entries, options.on_bad)
        if not loaded.samples:
            raise LAYOUT.error(
                f"no usable samples in {root} (no downloaded image of a listed line)"
            )
        downloaded = sum(1 for n in images if n < len(lines))
        warnings = [
            *short_copy(FILES, dict(races), PUBLISHED_RACES, "lines"),
            *short_copy(f"PATA {IMAGES}/", downloaded, PUBLISHED_LINES, "downloaded images"),
        ]
        return cls(loaded.samples, loaded.skipped, warnings, _prompts(captions))

    def samples(self, request: SampleRequest) -> list[Sample]:
        if isinstance(request, Prompts):
            return list(self._captions)
        return super().samples(request)


def _words(scene: str) -> str:
    return scene.replace("_", " ")


def _captions(file: Path) -> dict[str, dict[str, Any]]:
    """The captions file's scenes by ``short`` name, each checked for the published keys."""
    try:
        data = json.loads(read_utf8(file))
    except json.JSONDecodeError as err:
        raise LAYOUT.error(f"{file} is not valid JSON ({err.msg} at line {err.lineno})") from None
    if not isinstance(data, list):
        raise LAYOUT.error(f"{file} is not a JSON list of scenes")
    out: dict[str, dict[str, Any]] = {}
    for i, scene in enumerate(data):
        if not isinstance(scene, dict) or not isinstance(scene.get("short"), str):
            raise LAYOUT.error(f"{file} scene {i} has no 'short' name")
        for polarity in ("pos", "neg"):
            block = scene.get(polarity)
            if not isinstance(block, dict) or any(
                not isinstance(block.get(key), list)
                or not all(isinstance(c, str) for c in block[key])
                for key in CAPTION_KEYS
            ):
                keys = ", ".join(CAPTION_KEYS)
                raise LAYOUT.error(
                    f"{file} scene {scene['short']!r} has no {polarity!r} lists of {keys}"
                )
        out[scene["short"]] = scene
    return out


def _images(folder: Path) -> dict[int, Path]:
    """The downloaded images by list line; a folder in another naming scheme is an error."""
    if not folder.is_dir():
        raise LAYOUT.error(f"{folder} is not a folder")
    out: dict[int, Path] = {}
    others = []
    for file in sorted(folder.iterdir()):
        found = IMAGE_NAME.fullmatch(file.name)
        if found is None:
            others.append(file.name)
            continue
        out.setdefault(int(found["line"]), file)
    if not out:
        shown = f" (found e.g. {others[0]})" if others else ""
        raise LAYOUT.error(f"{folder} has no images named <line>.jpg{shown}")
    return out


def _parse(line: str, scenes: set[str]) -> dict[str, str] | str:
    """A list line's scene, groups and URL, or why it does not parse."""
    label, bar, url = line.strip().partition("|")
    *scene_parts, race, gender, age = label.split("_") if label.count("_") >= 3 else ("",) * 4
    scene = "_".join(scene_parts)
    if not bar or not scene:
        return f"not scene_race_gender_age|url: {line.strip()[:60]!r}"
    for what, value, vocabulary in (
        ("scene", scene, tuple(scenes)),
        ("race", race, RACES),
        ("gender", gender, GENDERS),
        ("age", age, AGES),
    ):
        if value not in vocabulary:
            return f"{what} {value!r} is not one of {', '.join(vocabulary)}"
    return {"scene": scene, "race": race, "gender": gender, "age": age, "url": url.strip()}


def _entry(
    root: Path,
    number: int,
    file: Path,
    parsed: dict[str, str],
    fingerprint: Fingerprint,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
) -> Sample | BadItem:
    groups = {key: parsed[key] for key in ("race", "gender", "age")}
    fields = {
        "id": f"pata/{number}",
        "labels": {
            **groups,
            "scene": _words(parsed["scene"]),
            "scene_id": parsed["scene"],
            "url": parsed["url"],
            "line": number,
        },
        "groups": groups,
    }
    relative = f"{IMAGES}/{file.name}"
    source = f"pata:{root / relative}"
    sample = image_sample(root, relative, fields, source, fingerprint, True, max_pixels, relative)
    assert sample is not None  # decode=True always gives a Sample or a BadItem
    return sample


def _prompts(captions: Mapping[str, Mapping[str, Any]]) -> list[Sample]:
    """Each distinct caption once (first scene, attribute and polarity it appears under)."""
    seen: dict[str, Sample] = {}
    for scene, entry in captions.items():
        for polarity, word in (("pos", "positive"), ("neg", "negative")):
            for key, attribute in CAPTION_KEYS.items():
                for caption in entry[polarity][key]:
                    text = caption.strip()
                    if text and text not in seen:
                        labels = {"scene": _words(scene), "attribute": attribute, "polarity": word}
                        seen[text] = Sample(
                            id=f"pata-caption-{len(seen)}",
                            prompt=text,
                            labels=labels,
                            source=f"pata:{CAPTIONS}",
                        )
    return list(seen.values())
