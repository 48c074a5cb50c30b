"""COCO captions sanitized in place of their layout: ``annotations/captions_<split><year>.json``
with the same top-level keys in the same order, the dropped images and their annotations left
out, each caption replaced by its sanitized text, and the images under the same paths
(``<split><year>/`` or ``images/<split><year>/``). Which files and splits are read is the data
source's (:mod:`vlmtrust.data.benchmarks.coco_captions`): both splits of the year, train first,
so a val image duplicating a train image is the one reported. Other annotation files
(``instances_*``, ``person_keypoints_*``) are not sanitized and not copied."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vlmtrust.data import default_id
from vlmtrust.data.benchmarks.coco_captions import (
    LAYOUT,
    image_folder,
    read_captions_file,
    splits,
)
from vlmtrust.data.benchmarks.layout import exists
from vlmtrust.sanitize.captions import CaptionCopy, write_json
from vlmtrust.sanitize.dataset import Row

COLUMN = "caption"


class CocoCopy(CaptionCopy):
    @classmethod
    def open(cls, path: str) -> CocoCopy:
        root, first, second = splits(path)
        rows: list[Row] = []
        files = []
        for split in sorted((first, second), key=lambda s: not s.startswith("train")):
            file = exists(root / "annotations" / f"captions_{split}.json", LAYOUT)
            folder = image_folder(root, split).relative_to(root).as_posix()
            read = read_captions_file(file)
            files.append(file)
            for key, name in read.names.items():
                fields = {
                    "id": default_id(f"{split}/{name}"),
                    "file": f"{folder}/{name}",
                    "split": split,
                    "image_id": key,
                    COLUMN: [read.caption(i) for i in read.notes.get(key, [])],
                }
                rows.append(Row(len(rows), fields, split))
        return cls(root, rows, files, (COLUMN,))

    def write(self, out: Path, rows: list[dict[str, Any]]) -> None:
        for file in self.files:
            split = file.stem.removeprefix("captions_")
            kept = {r["image_id"]: r[COLUMN] for r in rows if r["split"] == split}
            read = read_captions_file(file)
            rank = {p: k for positions in read.notes.values() for k, p in enumerate(positions)}
            images = [image for image in read.table["images"] if image["id"] in kept]
            notes = [
                {**note, "caption": kept[note["image_id"]][rank[p]]}
                for p, note in enumerate(read.table["annotations"])
                if note["image_id"] in kept
            ]
            new = {"images": images, "annotations": notes}
            write_json(
                out / "annotations" / file.name,
                {key: new.get(key, value) for key, value in read.table.items()},
            )
