"""Near-duplicate detection: MinHash LSH over caption shingles (datasketch) and perceptual
hashes over images (imagehash pHash, 64 bits).

``mode="both"`` (default) calls a row a duplicate of an earlier one only when the captions are
near-duplicates AND the images are perceptually close: templated captions ("a red circle on
grass") repeat across distinct images, and look-alike scenes repeat with distinct captions, so
either signal alone over-removes. ``caption`` and ``image`` use one signal. The first row of a
group is kept; later ones are dropped.
"""

from __future__ import annotations

import re
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


def find_duplicates(
    captions: list[str],
    hashes: list[imagehash.ImageHash],
    mode: Mode = "both",
    threshold: float = 0.7,
    max_distance: int = 6,
) -> list[Duplicate]:
    """Every row that near-duplicates an earlier kept row, in input order."""
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    sketches = [minhash(c) for c in captions]
    buckets: dict[tuple[int, int], list[int]] = {}  # pHash 8-bit slice -> kept rows
    out: list[Duplicate] = []
    for i, (sketch, phash) in enumerate(zip(sketches, hashes, strict=True)):
        if mode == "image":
            chunks = _chunks(phash)
            near = sorted({j for c in chunks for j in buckets.get(c, [])})
        else:
            near = sorted(int(j) for j in lsh.query(sketch)) if captions[i].strip() else []
        match = None
        for j in near:
            jaccard = sketch.jaccard(sketches[j])
            distance = int(phash - hashes[j])
            caption_ok = mode == "image" or jaccard >= threshold
            image_ok = mode == "caption" or distance <= max_distance
            if caption_ok and image_ok:
                match = Duplicate(i, j, round(jaccard, 3), distance)
                break
        if match is not None:
            out.append(match)
            continue
        if captions[i].strip():
            lsh.insert(str(i), sketch)
        for c in _chunks(phash):
            buckets.setdefault(c, []).append(i)
    return out


def _chunks(phash: imagehash.ImageHash) -> list[tuple[int, int]]:
    """Eight 8-bit slices: two hashes within 7 bits share at least one (pigeonhole), so image
    mode finds every pair within ``max_distance`` <= 7. Candidates are verified in full."""
    bits = int(str(phash), 16)
    return [(k, (bits >> (8 * k)) & 0xFF) for k in range(8)]
