"""Small copies of Harvard-FairVLMed and PATA in their published layouts, built from code:
FairVLMed's split folders of data_xxxxx.npz (tiny greyscale fundus arrays, the card's codes,
a placeholder note), and PATA's files list and captions JSON (placeholder URLs and captions)
with an images/ folder as a user's download leaves it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from vlmtrust.data.benchmarks import pata


def fairvlmed_tree(
    root: Path, per_split: int = 12, splits: tuple[str, ...] = ("Test",), unknown: bool = True
) -> Path:
    """``root`` with <split>/data_xxxxx.npz per subject (np.savez, as the authors' arrays:
    ``slo_fundus`` uint8 (h, w), coded race/gender/ethnicity/language/glaucoma, age, md, tds,
    maritalstatus, a note string), every group in turn; with ``unknown`` the last subject's
    ethnicity and language are -1. Also data_summary.csv, which the loader does not read."""
    number = 0
    for split in splits:
        folder = root / split
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_split):
            number += 1
            last = unknown and i == per_split - 1
            fundus = np.full((24, 20), 40 + (number * 37) % 200, dtype=np.uint8)
            fundus[4 : 4 + i % 10, 3:9] = 250
            np.savez(
                folder / f"data_{number:05d}.npz",
                slo_fundus=fundus,
                md=np.float64(-1.5),
                tds=np.zeros(52),
                age=np.float64(40 + i),
                gender=np.int64(i % 2),
                race=np.int64(i % 3),
                ethnicity=np.int64(-1 if last else (i // 3) % 2),
                language=np.int64(-1 if last else i % 3),
                maritalstatus=np.int64(i % 5),
                glaucoma=np.int64((i // 2) % 2),
                note=np.array("[placeholder clinical note]"),
                note_extra=np.array("[placeholder clinical note]"),
            )
    (root / "data_summary.csv").write_text("filename,age,gender,race\n")
    return root


def pata_tree(root: Path, per_group: int = 1, missing: tuple[int, ...] = ()) -> Path:
    """``root`` with pata_fairness.files.lst (``scene_race_gender_age|url`` lines, every race,
    gender and age in turn over the first scenes), pata_fairness.captions.json (every published
    scene, placeholder captions) and images/<line>.jpg, less the lines in ``missing``."""
    root.mkdir(parents=True, exist_ok=True)
    captions = [
        {
            "long": f"photo of {{age}}, {{race}} {{gender}} [placeholder scene {scene}]",
            "short": scene,
            "pos": {
                a: [f"[positive {a} caption {k} of {scene}]" for k in range(2)]
                for a in pata.CAPTION_KEYS
            },
            "neg": {a: [f"[negative {a} caption of {scene}]"] for a in pata.CAPTION_KEYS},
        }
        for scene in pata.SCENES
    ]
    (root / pata.CAPTIONS).write_text(json.dumps(captions))
    lines = []
    combos = [(r, g, a) for r in pata.RACES for g in pata.GENDERS for a in pata.AGES]
    for i, (race, gender, age) in enumerate(combos * per_group):
        scene = pata.SCENES[i % 4]
        lines.append(f"{scene}_{race}_{gender}_{age}|https://example.invalid/{i}.jpg")
    (root / pata.FILES).write_text("\n".join(lines) + "\n")
    images = root / pata.IMAGES
    images.mkdir(exist_ok=True)
    for i in range(len(lines)):
        if i not in missing:
            colour = ((i * 53) % 256, (i * 97) % 256, (i * 151) % 256)
            Image.new("RGB", (24, 24), colour).save(images / f"{i}.jpg", format="JPEG")
    return root
