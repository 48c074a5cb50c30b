"""Near-duplicate detection: exact Jaccard over caption shingles, on the candidate pairs a
MinHash LSH proposes (sanitize.minhash), and perceptual hashes over images (imagehash pHash,
64 bits; every pair within the Hamming distance found by multi-index hashing, sanitize.phash).

``mode="both"`` (default) calls a row a duplicate of an earlier one only when the captions are
near-duplicates AND the images are perceptually close: templated captions ("a red circle on
grass") repeat across distinct images, and look-alike scenes repeat with distinct captions, so
either signal alone over-removes. ``caption`` and ``image`` use one signal. The first row of a
group is kept; later ones are dropped. An image with several captions (COCO, Flickr30k) is one
row: it matches another when its closest caption pair does, and it is never its own duplicate.
Caption similarity (``match="chars_or_words"``, the default) is the larger of two exact values
on the normalised captions (lower case, words of a-z 0-9 @ joined by single spaces): the
Jaccard similarity of their character 4-shingle sets (robust to spelling edits inside words)
and their word similarity, the share of words left unedited (robust to a few whole words
deleted, inserted or replaced, which cost a short caption most of its shingles). ``"chars"``
uses the Jaccard alone, as before. The LSH only chooses which pairs are compared.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import imagehash
import numpy as np
import numpy.typing as npt
from PIL import Image

from vlmtrust.sanitize.minhash import (
    Banding,
    CaptionMatch,
    Normalized,
    Sketches,
    caption_banding,
    exact_similarities,
    normalize_all,
    similar_pairs,
)
from vlmtrust.sanitize.phash import hash_bits, near_pairs

Mode = Literal["both", "caption", "image"]
#: MinHash sketches of raw caption texts (normalised by the callee): how ``--executor ray``
#: computes them on Ray Data; None computes them here
Sketcher = Callable[[list[str], Banding], Sketches]


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
    #: the share of words left unedited between the same two captions (None: not computed,
    #: ``match="chars"``, or a row without captions)
    caption_word_similarity: float | None = None


def find_duplicates(
    captions: Sequence[str | Sequence[str]],
    hashes: Sequence[imagehash.ImageHash] | npt.NDArray[np.uint64],
    mode: Mode = "both",
    threshold: float = 0.7,
    max_distance: int = 6,
    splits: Sequence[str] | None = None,
    sketcher: Sketcher | None = None,
    match: CaptionMatch = "chars_or_words",
) -> list[Duplicate]:
    """Every row that near-duplicates an earlier kept row, in input order.

    A row's captions are a string or a list of strings (an image's several captions): two rows'
    caption similarity is their best-matching pair of captions, and a row is only compared with
    earlier rows, never with itself, so its own captions resembling each other drop nothing.
    With ``splits``, a row is dropped only as a duplicate of a kept row of its own split; one
    matching kept rows of other splits only is kept and returned with ``across=True``."""
    groups = list(splits) if splits is not None else [""] * len(captions)
    texts = _Texts(captions, words=match == "chars_or_words")
    bits = hash_bits(hashes)
    if mode == "image":
        near = _grouped(*near_pairs(bits, max_distance))
    else:
        near = _candidate_rows(texts, threshold, sketcher, match)
    dropped: set[int] = set()
    out: list[Duplicate] = []
    for i in sorted(near):
        same, other = None, None
        for j in near[i]:
            if j in dropped:  # only kept rows are matched against
                continue
            distance = int(np.bitwise_count(bits[i] ^ bits[j]))
            found = texts.closest(i, j)
            if mode == "image":  # the caption score is reported, not required
                if distance > max_distance:
                    continue
            elif max(found or (0.0, 0.0)) < threshold or (
                mode == "both" and distance > max_distance
            ):
                continue
            chars, words = found if found is not None else (None, None)
            score = None if chars is None else round(chars, 3)
            word_score = None if words is None or not texts.words else round(words, 3)
            if groups[j] == groups[i]:
                same = Duplicate(i, j, score, distance, caption_word_similarity=word_score)
                break
            other = other or Duplicate(
                i, j, score, distance, across=True, caption_word_similarity=word_score
            )
        if same is not None:
            out.append(same)
            dropped.add(i)
        elif other is not None:
            out.append(other)
    return out


class _Texts:
    """The rows' captions flattened and normalised in one pass, and the exact similarities of
    caption pairs (those of the candidates computed at once). A caption with no words (blank,
    or punctuation only) counts as none."""

    def __init__(self, captions: Sequence[str | Sequence[str]], words: bool = True) -> None:
        self.words = words
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
        self.flat: list[str] = texts  # type: ignore[assignment]
        self.normal: Normalized = normalize_all(texts)  # type: ignore[arg-type]
        self.owner = np.repeat(np.arange(len(captions), dtype=np.int64), counts)
        self.first = np.cumsum(counts) - counts
        self.counts = counts
        self.worded = self.normal.ends > self.normal.starts
        self._known: dict[tuple[int, int], tuple[float, float]] = {}

    def of_row(self, i: int) -> list[int]:
        first = int(self.first[i])
        return [k for k in range(first, first + int(self.counts[i])) if self.worded[k]]

    def measure(self, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> None:
        """Compute the exact similarities of these caption pairs at once (the candidates)."""
        chars, words = exact_similarities(self.normal, a, b, self.words)
        pairs = zip(a.tolist(), b.tolist(), chars.tolist(), words.tolist(), strict=True)
        self._known.update({(x, y): (c, w) for x, y, c, w in pairs})

    def closest(self, i: int, j: int) -> tuple[float, float] | None:
        """(character Jaccard, word similarity) of rows i and j's closest captions, the pair
        with the largest of the two (word similarity 0 when words are not counted; None: one
        row has no captions)."""
        return max(
            (self.similarity(a, b) for a in self.of_row(i) for b in self.of_row(j)),
            key=max,
            default=None,
        )

    def similarity(self, a: int, b: int) -> tuple[float, float]:
        if (a, b) not in self._known:  # a caption pair of two candidate rows, not itself one
            self.measure(np.array([a], dtype=np.int64), np.array([b], dtype=np.int64))
        return self._known[a, b]


def _candidate_rows(
    texts: _Texts, threshold: float, sketcher: Sketcher | None, match: CaptionMatch
) -> dict[int, list[int]]:
    """Each row's earlier candidate rows, ascending (rows holding a similar caption pair)."""
    band = caption_banding(threshold, match)
    sketches = None if sketcher is None else sketcher(texts.flat, band)
    later, earlier = similar_pairs(texts.normal, threshold, sketches, match)
    texts.measure(later, earlier)
    a, b = texts.owner[later], texts.owner[earlier]
    distinct = a != b  # an image's own captions never pair it with itself
    return _grouped(a[distinct], b[distinct])


def _grouped(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> dict[int, list[int]]:
    """(later, earlier) pairs sorted by (later, earlier), repeats adjacent -> each later row's
    distinct earlier rows, ascending."""
    fresh = np.ones(len(a), dtype=bool)
    fresh[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    near: dict[int, list[int]] = {}
    for i, j in zip(a[fresh].tolist(), b[fresh].tolist(), strict=True):
        near.setdefault(i, []).append(j)
    return near
