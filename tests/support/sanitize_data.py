"""A generated dataset for sanitize: world scenes with PII in captions, planted near-duplicates,
exact-caption look-alikes that are NOT duplicates, images carrying written PII, and faces."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFont

from vlmtrust.data import world
from vlmtrust.scorers.pii_data import fake_values


@dataclass
class Planted:
    duplicates: set[str] = field(default_factory=set)  # ids that should be dropped
    caption_pii: list[tuple[str, str, str]] = field(default_factory=list)  # id, entity, value
    image_pii: dict[str, list[str]] = field(default_factory=dict)  # file -> values written
    faces: set[str] = field(default_factory=set)  # files with a face
    repeated_person: str = ""


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def _face() -> Image.Image:
    image = Image.new("RGB", (128, 128), (200, 200, 200))
    draw = ImageDraw.Draw(image)
    draw.ellipse((24, 14, 104, 114), fill=(224, 172, 140))
    for x in (42, 70):
        draw.ellipse((x, 48, x + 16, 58), fill=(40, 30, 30))
        draw.rectangle((x - 2, 40, x + 18, 43), fill=(60, 40, 30))
    draw.polygon([(64, 58), (58, 78), (70, 78)], fill=(190, 140, 110))
    draw.ellipse((50, 88, 78, 98), fill=(150, 60, 60))
    return image


def _written(lines: list[str]) -> Image.Image:
    image = Image.new("RGB", (256, 128), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=14)
    for k, line in enumerate(lines):
        draw.text((8, 10 + 40 * k), line, fill="black", font=font)
    return image


def make_dataset(
    root: Path, base: int = 12, dups: int = 5, twins: int = 3, seed: int = 0
) -> Planted:
    rng = np.random.default_rng(seed)
    planted = Planted()
    (root / "images").mkdir(parents=True)
    rows: list[dict] = []
    scenes = world.generate(seed, base + twins, family="mixed")
    people = [fake_values(rng) for _ in range(base)]
    planted.repeated_person = people[0]["PERSON"]
    people[1]["PERSON"] = people[0]["PERSON"]  # the same person in two rows
    for i in range(base):
        values = people[i]
        caption = (
            f"{scenes[i].labels['caption']}. photo by {values['PERSON']}, "
            f"call {values['PHONE_NUMBER']} or mail {values['EMAIL_ADDRESS']}."
        )
        image = scenes[i].load_image()
        if i % 6 == 2:
            written = [values["EMAIL_ADDRESS"], f"phone {values['PHONE_NUMBER']}"]
            image = _written(written)
            planted.image_pii[f"images/{i:03d}.png"] = written
        if i % 6 == 4:
            image = _face()
            planted.faces.add(f"images/{i:03d}.png")
        (root / f"images/{i:03d}.png").write_bytes(_png(image))
        rows.append({"file": f"images/{i:03d}.png", "id": f"r{i:03d}", "caption": caption})
        planted.caption_pii += [
            (f"r{i:03d}", e, values[e]) for e in ("PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS")
        ]
    for k in range(dups):  # near-duplicates: re-encoded, slightly brighter, caption re-worded
        src = rows[1 + 2 * k]
        image = Image.open(root / src["file"]).convert("RGB")
        image = ImageEnhance.Brightness(image).enhance(1.04)
        buf = io.BytesIO()
        image.save(buf, format="JPEG", quality=85)
        file = f"images/dup{k}.png"
        (root / file).write_bytes(_png(Image.open(buf).convert("RGB")))
        caption = src["caption"].replace("photo by", "picture by").replace(".", "!", 1)
        rows.append({"file": file, "id": f"dup{k}", "caption": caption})
        planted.duplicates.add(f"dup{k}")
    for k in range(twins):  # same caption as a row, different scene: not a duplicate
        src = rows[5 + k]
        file = f"images/twin{k}.png"
        (root / file).write_bytes(_png(scenes[base + k].load_image()))
        rows.append({"file": file, "id": f"twin{k}", "caption": src["caption"]})
    order = rng.permutation(len(rows) - base) + base  # dups/twins after their sources
    rows = rows[:base] + [rows[i] for i in order]
    (root / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return planted


def checksums(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
