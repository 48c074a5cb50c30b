"""Small OOD pairs in their published layouts, built from code: an ImageNet-style ImageFolder
(wnid folders, LOC_synset_mapping.txt), ImageNet-O (imagenet-o/<wnid>/ and its README.txt),
NINCO (NINCO_OOD_classes/<class>/), and flat OOD folders; tiny flat-colour JPEGs and PNGs."""

from __future__ import annotations

import io
from pathlib import Path

from benchmark_trees import jpeg
from PIL import Image

#: ImageNet-1K wnids with their LOC_synset_mapping.txt lines (facts of the public synset list)
SYNSETS = {
    "n01440764": "tench, Tinca tinca",
    "n01443537": "goldfish, Carassius auratus",
    "n01484850": "great white shark, white shark, man-eater, man-eating shark",
    "n02012849": "crane",
    "n03126707": "crane",
}


def png(seed: int, size: int = 32) -> bytes:
    colour = ((seed * 31) % 256, (seed * 71) % 256, (seed * 113) % 256)
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def imagenet_folder(
    root: Path,
    wnids: tuple[str, ...] = ("n01440764", "n01443537", "n01484850"),
    per_class: int = 3,
    mapping: bool = True,
) -> Path:
    """``root``/val/<wnid>/ILSVRC2012_val_<n>.JPEG (ImageNet val sorted into class folders),
    with Kaggle's LOC_synset_mapping.txt at ``root`` (two levels above no image: beside val/)."""
    val = root / "val"
    n = 0
    for c, wnid in enumerate(wnids):
        (val / wnid).mkdir(parents=True, exist_ok=True)
        for _ in range(per_class):
            n += 1
            (val / wnid / f"ILSVRC2012_val_{n:08d}.JPEG").write_bytes(jpeg(10 * c + n))
    if mapping:
        lines = [f"{wnid} {SYNSETS[wnid]}" for wnid in wnids if wnid in SYNSETS]
        (root / "LOC_synset_mapping.txt").write_text("\n".join(lines) + "\n")
    return val


def imagenet_o_tree(
    root: Path, wnids: tuple[str, ...] = ("n01443537", "n01484850"), per_folder: int = 3
) -> Path:
    """``root``/imagenet-o/<wnid>/<placeholder>_<confidence>.JPEG and imagenet-o/README.txt
    (a line of prose, then ``wnid name`` lines), as imagenet-o.tar extracts."""
    folder = root / "imagenet-o"
    for f, wnid in enumerate(wnids):
        (folder / wnid).mkdir(parents=True, exist_ok=True)
        for i in range(per_folder):
            name = f"placeholder_{i}_0.99{f}{i}.JPEG"
            (folder / wnid / name).write_bytes(jpeg(200 + 10 * f + i))
    readme = ["ImageNet-O placeholder readme", *(f"{w} {SYNSETS[w]}" for w in wnids)]
    (folder / "README.txt").write_text("\n".join(readme) + "\n")
    return root


def ninco_tree(
    root: Path, classes: tuple[str, ...] = ("amphiuma_means", "high heels"), per_class: int = 3
) -> Path:
    """``root``/NINCO_OOD_classes/<class>/<class>_<nnn>_<id>.<ext> (jpg and png), beside the
    unit-test folder of the extracted NINCO_all.tar.gz."""
    folder = root / "NINCO_OOD_classes"
    for c, name in enumerate(classes):
        (folder / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            data, ext = (png(c * 10 + i), "png") if i % 2 else (jpeg(300 + c * 10 + i), "jpg")
            (folder / name / f"{name}_{i:03d}_{1000 + i}.{ext}").write_bytes(data)
    (root / "NINCO_OOD_unit_tests").mkdir(parents=True, exist_ok=True)
    return root


def flat_folder(root: Path, images: int = 4) -> Path:
    """``root`` holding ``images`` JPEGs directly, and a README that is not an image."""
    root.mkdir(parents=True, exist_ok=True)
    for i in range(images):
        (root / f"ood_{i}.jpg").write_bytes(jpeg(400 + i))
    (root / "README.md").write_text("placeholder\n")
    return root
