"""COCO and Flickr30k fixture copies (tests/support/benchmark_trees_coco.py) with what sanitize
must find planted: a person and an e-mail address in captions (the person in two splits), a
near-duplicate image re-encoded and brightened with its source's captions, a held-out image
copying a training image (leakage), an image whose own captions repeat each other, and a line
of PII written into one image. Every image is distinct noise otherwise, so nothing else is a
duplicate."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from benchmark_trees_coco import coco_tree, flickr30k_tree
from PIL import Image, ImageDraw, ImageEnhance, ImageFont
from sanitize_data import checksums

from vlmtrust.sanitize.pipeline import SanitizeOptions, SanitizeSummary, sanitize

PERSON = "Maria Garcia"
EMAIL = "maria.garcia@example.com"
SAME = "A man rides a bike down the street."
#: captions for the image that holds a PII line
WRITTEN = "A white card with a line of text."


@dataclass
class Planted:
    #: (kept id, dropped id) within a split
    duplicate: tuple[str, str] = ("", "")
    #: (training id, held-out id) of the cross-split copy
    leak: tuple[str, str] = ("", "")
    #: ids whose captions name PERSON (in more than one split)
    person: list[str] = field(default_factory=list)
    #: the id whose five captions are the same sentence
    self_similar: str = ""
    #: the image file (relative to the root) with written PII
    written: str = ""


def noise(seed: int) -> Image.Image:
    """A smooth random picture: distinct seeds give perceptual hashes far apart."""
    cells = np.random.default_rng(seed).integers(0, 256, (6, 6, 3), dtype=np.uint8)
    return Image.fromarray(cells).resize((64, 64), Image.Resampling.BICUBIC)


def written() -> Image.Image:
    image = Image.new("RGB", (320, 64), "white")
    draw = ImageDraw.Draw(image)
    draw.text((8, 20), f"email {EMAIL}", fill="black", font=ImageFont.load_default(size=16))
    return image


def save(image: Image.Image, file: Path, quality: int = 92) -> None:
    image.save(file, format="JPEG", quality=quality)


def brightened_copy(source: Path, file: Path) -> None:
    with Image.open(source) as image:
        save(ImageEnhance.Brightness(image.convert("RGB")).enhance(1.04), file, 85)


def captions_for(k: int) -> list[str]:
    """Five distinct, PII-free captions for image ``k``."""
    subjects = ("kite", "harbour", "market", "tram", "orchard", "glacier", "bakery", "canal")
    subject = subjects[k % len(subjects)]
    return [
        f"A view of the {subject} number {k} at dusk.",
        f"Someone photographs the {subject} from far away.",
        f"The {subject} seen in bright morning light.",
        f"Close up shot showing details of the {subject}.",
        f"People walking near the {subject} on a weekend.",
    ]


def plant_coco(root: Path) -> Planted:
    """coco_tree with train2017 (5 images) and val2017 (4), then the plants."""
    coco_tree(root, per_split={"train": 5, "val": 4})
    tables = {}
    for split in ("train2017", "val2017"):
        tables[split] = json.loads((root / f"annotations/captions_{split}.json").read_text())
    planted = Planted()
    texts: dict[tuple[str, int], list[str]] = {}
    for s, split in enumerate(("train2017", "val2017")):
        for k, image in enumerate(tables[split]["images"]):
            save(noise(10 * s + k), root / split / image["file_name"])
            texts[split, k] = captions_for(10 * s + k)
    train, val = tables["train2017"]["images"], tables["val2017"]["images"]

    def ident(split: str, k: int) -> str:
        return f"{split}/{Path(tables[split]['images'][k]['file_name']).stem}"

    texts["train2017", 0][0] = f"{PERSON} rides a bike, write to {EMAIL}."
    texts["val2017", 1][2] = f"A portrait of {PERSON} at the harbour."
    planted.person = [ident("train2017", 0), ident("val2017", 1)]
    texts["train2017", 3] = [SAME] * 5
    planted.self_similar = ident("train2017", 3)
    brightened_copy(
        root / "train2017" / train[2]["file_name"], root / "train2017" / train[4]["file_name"]
    )
    texts["train2017", 4] = list(texts["train2017", 2])
    texts["train2017", 4][1] = texts["train2017", 4][1].replace("far away", "far off")
    planted.duplicate = (ident("train2017", 2), ident("train2017", 4))
    (root / "val2017" / val[3]["file_name"]).write_bytes(
        (root / "train2017" / train[1]["file_name"]).read_bytes()
    )
    texts["val2017", 3] = list(texts["train2017", 1])
    planted.leak = (ident("train2017", 1), ident("val2017", 3))
    save(written(), root / "val2017" / val[2]["file_name"])
    texts["val2017", 2] = [WRITTEN] * 5
    planted.written = f"val2017/{val[2]['file_name']}"
    for split, table in tables.items():
        index = {image["id"]: k for k, image in enumerate(table["images"])}
        seen: dict[int, int] = {}
        for note in table["annotations"]:
            j = seen[note["image_id"]] = seen.get(note["image_id"], -1) + 1
            note["caption"] = texts[split, index[note["image_id"]]][j]
        (root / f"annotations/captions_{split}.json").write_text(json.dumps(table))
    return planted


def plant_flickr(root: Path, split_file: bool = True, token_file: bool = True) -> Planted:
    """flickr30k_tree with Karpathy train (5 images), val (1) and test (3), then the plants, in
    whichever of the split file and the token file the copy has."""
    flickr30k_tree(
        root, {"train": 5, "val": 1, "test": 3}, split_file=split_file, token_file=token_file
    )
    folder = root / "flickr30k-images"
    names = sorted(p.name for p in folder.iterdir())  # the tree numbers images in split order
    texts = {name: captions_for(k) for k, name in enumerate(names)}
    for k, name in enumerate(names):
        save(noise(k), folder / name)
    planted = Planted()
    texts[names[0]][0] = f"{PERSON} rides a bike, write to {EMAIL}."
    texts[names[7]][2] = f"A portrait of {PERSON} at the harbour."
    planted.person = [names[0][:-4], names[7][:-4]]
    texts[names[3]] = [SAME] * 5
    planted.self_similar = names[3][:-4]
    brightened_copy(folder / names[2], folder / names[4])
    texts[names[4]] = list(texts[names[2]])
    planted.duplicate = (names[2][:-4], names[4][:-4])
    (folder / names[8]).write_bytes((folder / names[1]).read_bytes())
    texts[names[8]] = list(texts[names[1]])
    planted.leak = (names[1][:-4], names[8][:-4])
    save(written(), folder / names[6])
    texts[names[6]] = [WRITTEN] * 5
    planted.written = f"flickr30k-images/{names[6]}"
    if split_file:
        file = root / "dataset_flickr30k.json"
        table = json.loads(file.read_text())
        for image in table["images"]:
            for sentence, text in zip(image["sentences"], texts[image["filename"]], strict=True):
                sentence["raw"], sentence["tokens"] = text, text.lower().rstrip(".").split()
        file.write_text(json.dumps(table))
    if token_file:
        lines = [f"{n}#{k}\t{t}\n" for n in names for k, t in enumerate(texts[n])]
        (root / "results_20130124.token").write_text("".join(lines))
    return planted


#: (the copy, its sanitized copy, what was planted, the copy's checksums before, the summary)
Sanitized = tuple[Path, Path, Planted, dict[str, str], SanitizeSummary]


def sanitized_copy(
    factory: pytest.TempPathFactory, source: str, plant: Callable[[Path], Planted]
) -> Sanitized:
    """A copy planted by ``plant``, read as ``source`` and sanitized with the default options
    (OCR and faces on): what a module's tests share, built once."""
    root = factory.mktemp(source)
    planted = plant(root)
    before = checksums(root)
    out = factory.mktemp("clean") / "out"
    summary = sanitize(f"{source}:{root}", out, SanitizeOptions())
    return root, out, planted, before, summary
