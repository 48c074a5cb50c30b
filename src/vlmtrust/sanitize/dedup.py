"""Near-duplicate detection: MinHash LSH over caption shingles (datasketch) and perceptual
hashes over images (imagehash pHash, 64 bits).

``mode="both"`` (default) calls a row a duplicate of an earlier one only when the captions are
near-duplicates AND the images are perceptually close: templated captions ("a red circle on
grass") repeat across distinct images, and look-alike scenes repeat with distinct captions, so
either signal alone over-removes. ``caption`` and ``image`` use one signal. The first row of a
group is kept; later ones are dropped. An image with several captions (COCO, Flickr30k) is one
row: it matches another when its closest caption pair does, and it is never its own duplicate.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import imagehash
from datasketch import MinHash, MinHashLSH
from PIL import Image

Mode = Literal["both", "caption", "image"]
NUM_PERM = 128


def shingles(text: str, k: int = 5) -> set[str]:
    """Character k-shingles of the lower-cased text, punctuation dropped, spaces collapsed:
    captions are short, and one changed word must not halve their similarity, as it does with
    word shingles."""
    normal = " ".join(re.findall(r"[a-z0-9@]+", text.lower()))
    if len(normal) < k:
        return {normal} if normal else set()
    return {normal[i : i + k] for i in range(len(normal) - k + 1)}


def minhash(text: str) -> MinHash:
    mh = MinHash(num_perm=NUM_PERM, seed=1)
    for s in shingles(text):
        mh.update(s.encode("utf-8"))
    return mh


def image_hash(image: Image.Image) -> imagehash.ImageHash:
    return imagehash.phash(image.convert("RGB"))


@dataclass(frozen=True)
class Duplicate:
    index: int
    of: int
    caption_jaccard: float | None
    image_distance: int | None
    #: True: ``of`` is in another split and ``index`` is kept (reported, not dropped)
    across: bool = False


def find_duplicates(
    captions: Sequence[str | Sequence[str]],
    hashes: list[imagehash.ImageHash],
    mode: Mode = "both",
    threshold: float = 0.7,
    max_distance: int = 6,
    splits: Sequence[str] | None = None,
) -> list[Duplicate]:
    """Every row that near-duplicates an earlier kept row, in input order.

    A row's captions are a string or a list of strings (an image's several captions): two rows'
    caption similarity is their best-matching pair of captions, and a row is only compared with
    earlier rows, never with itself, so its own captions resembling each other drop nothing.
    With ``splits``, a row is dropped only as a duplicate of a kept row of its own split; one
    matching kept rows of other splits only is kept and returned with ``across=True``."""
    rows = [[c] if isinstance(c, str) else list(c) for c in captions]
    groups = list(splits) if splits is not None else [""] * len(rows)
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    sketches = [[minhash(c) for c in row] for row in rows]
    buckets: dict[tuple[int, int], list[int]] = {}  # pHash 8-bit slice -> kept rows
    out: list[Duplicate] = []
    for i, phash in enumerate(hashes):
        texts = [(k, c) for k, c in enumerate(rows[i]) if c.strip()]
        if mode == "image":
            near = sorted({j for c in _chunks(phash) for j in buckets.get(c, [])})
        else:
            keys = {key for k, _ in texts for key in lsh.query(sketches[i][k])}
            near = sorted({int(str(key).partition(":")[0]) for key in keys})
        same, other = None, None
        for j in near:
            jaccard = _best_jaccard(sketches[i], sketches[j])
            distance = int(phash - hashes[j])
            caption_ok = mode == "image" or (jaccard is not None and jaccard >= threshold)
            image_ok = mode == "caption" or distance <= max_distance
            if not (caption_ok and image_ok):
                continue
            score = None if jaccard is None else round(jaccard, 3)
            if groups[j] == groups[i]:
                same = Duplicate(i, j, score, distance)
                break
            other = other or Duplicate(i, j, score, distance, across=True)
        if same is not None:
            out.append(same)
            continue
        if other is not None:
            out.append(other)
        for k, _ in texts:
            lsh.insert(f"{i}:{k}", sketches[i][k])
        for c in _chunks(phash):
            buckets.setdefault(c, []).append(i)
    return out


def _best_jaccard(a: list[MinHash], b: list[MinHash]) -> float | None:
    """The estimated Jaccard similarity of the closest pair of captions (None: one has none)."""
    return max((x.jaccard(y) for x in a for y in b), default=None)


def _chunks(phash: imagehash.ImageHash) -> list[tuple[int, int]]:
    """Eight 8-bit slices: two hashes within 7 bits share at least one (pigeonhole), so image
    mode finds every pair within ``max_distance`` <= 7. Candidates are verified in full."""
    bits = int(str(phash), 16)
    return [(k, (bits >> (8 * k)) & 0xFF) for k in range(8)]
