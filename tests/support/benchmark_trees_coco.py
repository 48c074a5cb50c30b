"""Small copies of COCO captions and Flickr30k in their published layouts, built from code: the
same annotation file names and keys, the same image file name schemes, placeholder captions and
tiny JPEGs made with PIL (no benchmark content ships with the tests)."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image, ImageDraw

#: shapes drawn per image, so images differ and captions name what is drawn
_SHAPES = ("circle", "square", "bar")
_COLOURS = ("red", "green", "blue", "orange")


def tiny_jpeg(index: int, file: Path) -> str:
    """A 48x48 JPEG of one coloured shape; returns a placeholder caption naming it."""
    shape, colour = _SHAPES[index % 3], _COLOURS[(index // 3) % 4]
    image = Image.new("RGB", (48, 48), "white")
    draw = ImageDraw.Draw(image)
    box = (8 + index % 5, 8, 38, 38 - index % 4)
    if shape == "circle":
        draw.ellipse(box, fill=colour)
    elif shape == "square":
        draw.rectangle(box, fill=colour)
    else:
        draw.rectangle((20, 4, 28, 44), fill=colour)
    file.parent.mkdir(parents=True, exist_ok=True)
    image.save(file, format="JPEG", quality=90)
    return f"a {colour} {shape} on a white background"


def coco_tree(
    root: Path,
    year: str = "2017",
    per_split: dict[str, int] | None = None,
    captions_per_image: int = 5,
    images_folder: str = "",
) -> Path:
    """``annotations/captions_{train,val}<year>.json`` (info, licenses, images, annotations as
    cocodataset.org ships them) and the images under ``<split><year>/`` (or
    ``<images_folder>/<split><year>/``), named as COCO names them per year."""
    per_split = per_split or {"train": 6, "val": 6}
    next_annotation = 1
    for s, (split, count) in enumerate(per_split.items()):
        name = f"{split}{year}"
        images, annotations = [], []
        for i in range(count):
            image_id = 1000 * (s + 1) + 7 * i + 9
            stem = f"{image_id:012d}"
            file_name = f"COCO_{name}_{stem}.jpg" if year == "2014" else f"{stem}.jpg"
            folder = root / images_folder / name if images_folder else root / name
            caption = tiny_jpeg(i + 13 * s, folder / file_name)
            images.append(
                {
                    "license": 1,
                    "file_name": file_name,
                    "coco_url": f"http://images.cocodataset.org/{name}/{file_name}",
                    "height": 48,
                    "width": 48,
                    "date_captured": "2013-11-14 16:28:13",
                    "flickr_url": "http://farm.example/placeholder.jpg",
                    "id": image_id,
                }
            )
            for k in range(captions_per_image):
                text = caption if k == 0 else f"[placeholder caption {k} of image {image_id}]"
                annotations.append({"image_id": image_id, "id": next_annotation, "caption": text})
                next_annotation += 1
        table = {
            "info": {"description": "COCO placeholder", "year": int(year)},
            "licenses": [{"url": "http://creativecommons.org/licenses/by/2.0/", "id": 1}],
            "images": images,
            "annotations": annotations,
        }
        file = root / "annotations" / f"captions_{name}.json"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(table), encoding="utf-8")
    return root


def flickr30k_tree(
    root: Path,
    per_split: dict[str, int] | None = None,
    split_file: bool = True,
    token_file: bool = True,
    images_folder: str = "flickr30k-images",
) -> Path:
    """``flickr30k-images/<id>.jpg``, Karpathy's ``dataset_flickr30k.json`` (images with
    filename, split, sentences[raw, tokens, imgid, sentid], imgid, sentids; dataset) and the
    authors' ``results_20130124.token`` (``<id>.jpg#<k><TAB><caption>``, 5 per image)."""
    per_split = per_split or {"train": 6, "val": 2, "test": 6}
    entries, lines, sentid = [], [], 0
    index = 0
    for split, count in per_split.items():
        for _ in range(count):
            name = f"{1000092795 + 1000 * index}.jpg"
            caption = tiny_jpeg(index, root / images_folder / name)
            texts = [caption] + [f"[placeholder caption {k} of {name}]" for k in range(1, 5)]
            sentences = [
                {"tokens": t.split(), "raw": t, "imgid": index, "sentid": sentid + k}
                for k, t in enumerate(texts)
            ]
            entries.append(
                {
                    "sentids": [s["sentid"] for s in sentences],
                    "imgid": index,
                    "sentences": sentences,
                    "split": split,
                    "filename": name,
                }
            )
            lines += [f"{name}#{k}\t{t}" for k, t in enumerate(texts)]
            sentid += len(texts)
            index += 1
    if split_file:
        table = {"images": entries, "dataset": "flickr30k"}
        (root / "dataset_flickr30k.json").write_text(json.dumps(table), encoding="utf-8")
    if token_file:
        (root / "results_20130124.token").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root
