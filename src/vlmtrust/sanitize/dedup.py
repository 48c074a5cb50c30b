"""Near-duplicate detection: exact Jaccard over caption shingles, on the candidate pairs a
MinHash LSH proposes (sanitize.minhash), and perceptual hashes over images (imagehash pHash,
64 bits).

``mode="both"`` (default) calls a row a duplicate of an earlier one only when the captions are
near-duplicates AND the images are perceptually close: templated captions ("a red circle on
grass") repeat across distinct images, and look-alike scenes repeat with distinct captions, so
either signal alone over-removes. ``caption`` and ``image`` use one signal. The first row of a
group is kept; later ones are dropped. An image with several captions (COCO, Flickr30k) is one
row: it matches another when its closest caption pair does, and it is never its own duplicate.
Caption similarity is the exact Jaccard similarity of character 4-shingle sets of the
normalised captions (lower case, words of a-z 0-9 @ joined by single spaces); the LSH only
chooses which pairs are compared (>= 0.99 of pairs at the threshold are, more above it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import imagehash
import numpy as np
from PIL import Image

from vlmtrust.sanitize.minhash import Normalized, jaccard, normalize_all, shingles, similar_pairs

Mode = Literal["both", "caption", "image"]


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
    groups = list(splits) if splits is not None else [""] * len(captions)
    texts = _Texts(captions)
    if mode == "image":
        return _image_duplicates(hashes, max_distance, groups, texts)
    near = _candidate_rows(texts, threshold)
    dropped: set[int] = set()
    out: list[Duplicate] = []
    for i in sorted(near):
        same, other = None, None
        for j in near[i]:
            if j in dropped:  # only kept rows are matched against
                continue
            score = texts.best_jaccard(i, j) or 0.0
            distance = int(hashes[i] - hashes[j])
            if score < threshold or (mode == "both" and distance > max_distance):
                continue
            if groups[j] == groups[i]:
                same = Duplicate(i, j, round(score, 3), distance)
                break
            other = other or Duplicate(i, j, round(score, 3), distance, across=True)
        if same is not None:
            out.append(same)
            dropped.add(i)
        elif other is not None:
            out.append(other)
    return out


class _Texts:
    """The rows' captions flattened and normalised in one pass, and their shingle sets on
    demand (only the captions of candidate pairs are ever shingled). A caption with no words
    (blank, or punctuation only) counts as none."""

    def __init__(self, captions: Sequence[str | Sequence[str]]) -> None:
        if all(isinstance(c, str) for c in captions):
            texts = list(captions)
            counts = np.ones(len(captions), dtype=np.int64)
        else:
            texts = []
            for c in captions:
                texts.extend([c] if isinstance(c, str) else c)
            counts = np.array(
                [1 if isinstance(c, str) else len(c) for c in captions], dtype=np.int64
            )
        self.normal: Normalized = normalize_all(texts)  # type: ignore[arg-type]
        self.owner = np.repeat(np.arange(len(captions), dtype=np.int64), counts)
        self.first = np.cumsum(counts) - counts
        self.counts = counts
        self.worded = self.normal.ends > self.normal.starts
        self._sets: dict[int, set[str]] = {}

    def of_row(self, i: int) -> list[int]:
        first = int(self.first[i])
        return [k for k in range(first, first + int(self.counts[i])) if self.worded[k]]

    def shingles(self, k: int) -> set[str]:
        if k not in self._sets:
            self._sets[k] = shingles(self.normal.text(k))
        return self._sets[k]

    def best_jaccard(self, i: int, j: int) -> float | None:
        """The exact Jaccard similarity of rows i and j's closest captions (None: one has
        none)."""
        return max(
            (
                jaccard(self.shingles(a), self.shingles(b))
                for a in self.of_row(i)
                for b in self.of_row(j)
            ),
            default=None,
        )


def _candidate_rows(texts: _Texts, threshold: float) -> dict[int, list[int]]:
    """Each row's earlier candidate rows, ascending (rows holding a similar caption pair)."""
    later, earlier = similar_pairs(texts.normal, threshold)
    a, b = texts.owner[later], texts.owner[earlier]
    distinct = a != b  # an image's own captions never pair it with itself
    a, b = a[distinct], b[distinct]
    # caption pairs come sorted by (later, earlier) and owners rise with captions, so the row
    # pairs are sorted too: a repeat (two caption pairs of one row pair) is its predecessor
    fresh = np.ones(len(a), dtype=bool)
    fresh[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    near: dict[int, list[int]] = {}
    for i, j in zip(a[fresh].tolist(), b[fresh].tolist(), strict=True):
        near.setdefault(i, []).append(j)
    return near


def _image_duplicates(
    hashes: list[imagehash.ImageHash], max_distance: int, groups: list[str], texts: _Texts
) -> list[Duplicate]:
    """Image mode: pHash buckets (see ``_chunks``) of kept rows, candidates verified in full."""
    buckets: dict[tuple[int, int], list[int]] = {}  # pHash 8-bit slice -> kept rows
    out: list[Duplicate] = []
    for i, phash in enumerate(hashes):
        near = sorted({j for c in _chunks(phash) for j in buckets.get(c, [])})
        same, other = None, None
        for j in near:
            distance = int(phash - hashes[j])
            if distance > max_distance:
                continue
            score = texts.best_jaccard(i, j)  # reported, not required
            score = None if score is None else round(score, 3)
            if groups[j] == groups[i]:
                same = Duplicate(i, j, score, distance)
                break
            other = other or Duplicate(i, j, score, distance, across=True)
        if same is not None:
            out.append(same)
            continue
        if other is not None:
            out.append(other)
        for c in _chunks(phash):
            buckets.setdefault(c, []).append(i)
    return out


def _chunks(phash: imagehash.ImageHash) -> list[tuple[int, int]]:
    """Eight 8-bit slices: two hashes within 7 bits share at least one (pigeonhole), so image
    mode finds every pair within ``max_distance`` <= 7. Candidates are verified in full."""
    bits = int(str(phash), 16)
    return [(k, (bits >> (8 * k)) & 0xFF) for k in range(8)]
