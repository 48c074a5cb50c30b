"""Flickr30k sanitized in place of its layout: Karpathy's ``dataset_flickr30k.json`` (where the
copy has it, at the same path; dropped images left out, each changed sentence's ``raw``
replaced and its ``tokens`` re-derived) and/or the authors' ``results_20130124.token`` (the same
``<image>.jpg#<k><TAB><caption>`` lines, the dropped images' left out), with the images under
the same ``flickr30k-images/``. Which files are read is the data source's
(:mod:`vlmtrust.data.benchmarks.flickr30k`). Rows run train, val, test, then the images only
the token file lists (``unsplit``), so a test image duplicating a train image is the one
reported. The two files' captions are sanitized each (columns ``raw`` and ``token``): the same
text gets the same surrogates in both."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vlmtrust.data import default_id
from vlmtrust.data.benchmarks.flickr30k import (
    SPLIT_FILE,
    TOKEN_FILE,
    find_copy,
    image_folder,
    read_split_file,
    token_lines,
)
from vlmtrust.sanitize.captions import CaptionCopy, tokens, write_json, write_text
from vlmtrust.sanitize.dataset import Row

RAW, TOKEN = "raw", "token"
ORDER = {"train": 0, "val": 1, "test": 2}
#: the split of an image only the token file lists (or of every image, without a split file)
UNSPLIT = "unsplit"


class FlickrCopy(CaptionCopy):
    split_file: Path | None
    token_file: Path | None

    @classmethod
    def open(cls, path: str) -> FlickrCopy:
        root, given = find_copy(path)
        folder = image_folder(root)
        relative = folder.relative_to(root).as_posix()
        split_file = given if given.name == SPLIT_FILE else None
        token_file = given if given.name == TOKEN_FILE else None
        if token_file is None and (root / TOKEN_FILE).is_file():
            token_file = root / TOKEN_FILE
        fields: dict[str, dict[str, Any]] = {}
        if split_file is not None:
            table, _ = read_split_file(split_file, folder)  # checked: keys and splits
            for image in sorted(table["images"], key=lambda i: ORDER[i["split"]]):
                name = str(image["filename"])
                raw = [str(s["raw"]) for s in image["sentences"]]
                fields[name] = {"split": image["split"], RAW: raw}
        if token_file is not None:
            for _, name, caption in token_lines(token_file):
                entry = fields.setdefault(name, {"split": UNSPLIT})
                entry.setdefault(TOKEN, []).append(caption)
        rows = [
            Row(n, {"id": default_id(name), "file": f"{relative}/{name}", **f}, f["split"])
            for n, (name, f) in enumerate(fields.items())
        ]
        files = [f for f in (split_file, token_file) if f is not None]
        copy = cls(root, rows, files, (RAW, TOKEN))
        copy.split_file, copy.token_file = split_file, token_file
        return copy

    def write(self, out: Path, rows: list[dict[str, Any]]) -> None:
        kept = {r["file"].rpartition("/")[2]: r for r in rows}
        if self.split_file is not None:
            table, _ = read_split_file(self.split_file, image_folder(self.root))
            images = [
                {**image, "sentences": _sentences(image["sentences"], kept[image["filename"]])}
                for image in table["images"]
                if image["filename"] in kept
            ]
            write_json(out / self.split_file.relative_to(self.root), {**table, "images": images})
        if self.token_file is not None:
            seen: dict[str, int] = {}
            lines = []
            for key, name, _ in token_lines(self.token_file):
                if name in kept:
                    k = seen[name] = seen.get(name, -1) + 1
                    lines.append(f"{key}\t{kept[name][TOKEN][k]}\n")
            write_text(out / self.token_file.relative_to(self.root), "".join(lines))


def _sentences(sentences: list[dict[str, Any]], row: dict[str, Any]) -> list[dict[str, Any]]:
    """Each sentence with its sanitized ``raw``; a changed one gets its ``tokens`` anew."""
    out = []
    for sentence, clean in zip(sentences, row[RAW], strict=True):
        if clean != str(sentence["raw"]):
            sentence = {**sentence, "raw": clean, "tokens": tokens(clean)}
        out.append(sentence)
    return out
