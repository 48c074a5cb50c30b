"""Tiny copies of public benchmarks in their authors' exact layouts, built from code: the same
file names, columns, image path schemes and label vocabularies, with placeholder images (flat
colour JPEGs made with PIL), so no benchmark content ships in the repository."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from vlmtrust.data.benchmarks import fairface, utkface


def jpeg(seed: int, size: int = 32) -> bytes:
    """A small flat-colour JPEG, different per ``seed``."""
    colour = ((seed * 53) % 256, (seed * 97) % 256, (seed * 151) % 256)
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def fairface_tree(root: Path, rows: int = 14, splits: tuple[str, ...] = ("val",)) -> Path:
    """``root`` with fairface_label_<split>.csv (file,age,gender,race,service_test) and the
    images under <split>/ (``file`` = val/1.jpg), every race, gender and age group in turn."""
    for split in splits:
        (root / split).mkdir(parents=True, exist_ok=True)
        lines = [",".join(fairface.COLUMNS)]
        for i in range(rows):
            race = fairface.RACES[i % len(fairface.RACES)]
            gender = fairface.GENDERS[(i // len(fairface.RACES)) % 2]
            age = fairface.AGES[i % len(fairface.AGES)]
            file = f"{split}/{i + 1}.jpg"
            (root / file).write_bytes(jpeg(i))
            lines.append(f"{file},{age},{gender},{race},{i % 2 == 0}")
        (root / fairface.LABEL_FILE.format(split)).write_text("\n".join(lines) + "\n")
    return root


def utkface_name(age: int, gender: int, race: int, index: int, chip: bool = True) -> str:
    """A file name in UTKFace's convention, [age]_[gender]_[race]_[date&time].jpg.chip.jpg."""
    taken = f"20170116{174525125 + index:09d}"
    return f"{age}_{gender}_{race}_{taken}.jpg" + (".chip.jpg" if chip else "")


def utkface_tree(root: Path, rows: int = 10, folder: str = "UTKFace") -> Path:
    """``root``/``folder`` holding ``rows`` images named by UTKFace's convention, every gender
    and race in turn, ages spread over 1-90."""
    images = root / folder
    images.mkdir(parents=True, exist_ok=True)
    for i in range(rows):
        name = utkface_name(1 + (i * 9) % 90, i % 2, i % len(utkface.RACES), i)
        (images / name).write_bytes(jpeg(i))
    return root
