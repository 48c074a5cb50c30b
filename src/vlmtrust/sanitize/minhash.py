"""Caption near-duplicate candidates at a million captions: MinHash LSH over every caption at
once, then exact Jaccard on the candidates only.

Per-caption MinHash objects and a dict per band (datasketch used plainly) cost ~140 us a
caption, 85% of it building the MinHash objects. Here the captions are normalised in a few
passes over one joined buffer, each character 4-shingle is read as the 4 bytes it is (a uint32:
no string hashing), and a compiled kernel (numba) takes every permutation's minimum of every
caption; band keys are grouped by sorting, not by dicts. Candidates whose estimated similarity
is far below the threshold are dropped; the caller verifies the rest exactly, so the MinHash
only decides what is *looked at*, never what is *called* a duplicate.

The banding is tuned for recall at the threshold: ``rows`` permutations per band (6 at 0.7:
unrelated captions almost never share a band) and as many bands as make a pair AT the threshold
a candidate with probability >= 0.99 (37 bands, 222 permutations at 0.7); pairs above it more.
When word edits count too (``match="chars_or_words"``, see ``word_similarity``), a copy with
three edited words of a 10-word caption keeps a character Jaccard of only ~0.5, so the banding
reaches ``WORD_REACH`` lower (5 rows x 45 bands at 0.7) and the estimate floor lower still."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numba
import numpy as np
import numpy.typing as npt

#: character shingle size: 4, not 5, so that one edited word costs fewer shingles (a 1-word
#: edit of a 10-word caption keeps Jaccard >= 0.7 in ~97% of cases with 4, ~92% with 5)
SHINGLE = 4
#: signature entries kept as 16 bits: two unrelated minima agree by chance ~1e-3 of the time
Signature = npt.NDArray[np.uint16]
_TOKEN = re.compile(r"[a-z0-9@]+")
_SEED = 1
#: how far below the threshold an estimate may fall and still be verified exactly (~5 standard
#: deviations of a 222-permutation estimate at Jaccard 0.7)
ESTIMATE_MARGIN = 0.15
#: pairs per bucket: a caption in a bucket of more than this many (a boilerplate caption
#: repeated thousands of times) is paired with the bucket's first ``BUCKET_CAP`` members only
BUCKET_CAP = 256


#: with word edits counted, the banding is tuned for character Jaccard this far below the
#: threshold (P(candidate) >= 0.9 there): on the bench corpus 99% of pairs at word similarity
#: >= 0.7 have character Jaccard >= 0.48
WORD_REACH = 0.15
CaptionMatch = Literal["chars_or_words", "chars"]


def normalize(text: str) -> str:
    """Lower-cased words (a-z, 0-9, @) joined by single spaces: what shingles are taken of."""
    return " ".join(_TOKEN.findall(text.lower()))


@dataclass(frozen=True)
class Normalized:
    """Many texts' normal forms as one ASCII byte buffer, joined by newlines."""

    buffer: npt.NDArray[np.uint8]
    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.starts)

    def text(self, i: int) -> str:
        return self.buffer[self.starts[i] : self.ends[i]].tobytes().decode("ascii")


_KEEP = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789@\n")
_TO_SPACE = bytes(c if c in _KEEP else 32 for c in range(256))


def normalize_all(texts: Sequence[str], chunk: int = 100_000) -> Normalized:
    """``normalize`` of every text at C speed: one lower(), one translate and two numpy masks
    over the joined texts instead of a regex per text (a non-ASCII character becomes "?" and
    then a separator, as the regex treats it). Chunks of ``chunk`` texts keep the passes in
    cache; their buffers are joined by a newline like the texts within one."""
    if len(texts) <= chunk:
        return _normalize_chunk(texts)
    parts = [_normalize_chunk(texts[s : s + chunk]) for s in range(0, len(texts), chunk)]
    offsets = np.cumsum([0] + [len(p.buffer) + 1 for p in parts[:-1]])
    newline = np.array([10], dtype=np.uint8)
    buffer = np.concatenate([x for p in parts for x in (p.buffer, newline)][:-1])
    return Normalized(
        buffer,
        np.concatenate([p.starts + o for p, o in zip(parts, offsets, strict=True)]),
        np.concatenate([p.ends + o for p, o in zip(parts, offsets, strict=True)]),
    )


def _normalize_chunk(texts: Sequence[str]) -> Normalized:
    joined = "\n".join(texts).lower()
    if joined.count("\n") != max(len(texts) - 1, 0):  # a text holds a newline: one at a time
        joined = "\n".join(normalize(t) for t in texts)
    raw = np.frombuffer(joined.encode("ascii", "replace").translate(_TO_SPACE), dtype=np.uint8)
    space, newline = raw == 32, raw == 10
    after_gap = np.concatenate(([True], (space | newline)[:-1]))
    raw = raw[~(space & after_gap)]  # runs of spaces collapsed, leading ones gone
    before_end = np.concatenate((raw[1:] == 10, [True]))
    raw = raw[~((raw == 32) & before_end)]  # trailing ones gone
    breaks = np.flatnonzero(raw == 10)
    if not texts:
        breaks = np.zeros(0, dtype=np.int64)
        return Normalized(raw, breaks, breaks)
    starts = np.concatenate(([0], breaks + 1)).astype(np.int64)
    ends = np.concatenate((breaks, [len(raw)])).astype(np.int64)
    return Normalized(raw, starts, ends)


def shingles(normal: str, k: int = SHINGLE) -> set[str]:
    """Character k-shingles of a normalised text (the whole text when shorter than k)."""
    if len(normal) < k:
        return {normal} if normal else set()
    return {normal[i : i + k] for i in range(len(normal) - k + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def word_similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """1 - (word-level Levenshtein distance) / (longer text's word count): the share of words
    left unedited. Character shingles punish an edited word by its length plus 3 shingles, so
    a short caption with three edited words falls far below any useful Jaccard threshold;
    counting edited words instead, "allow 30% of the words edited" means 2 edits of an 8-word
    caption and 4 of a 15-word one. Order matters: the same words shuffled are not similar.
    (The definition; ``exact_similarities`` computes it compiled, for many pairs at once.)"""
    if not a or not b:
        return 0.0
    previous = list(range(len(b) + 1))
    for i, word in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other))
            )
        previous = current
    return 1 - previous[-1] / max(len(a), len(b))


@numba.njit(cache=True, nogil=True)
def _word_edits(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> int:
    """Levenshtein distance over two id sequences (one row of the table at a time)."""
    previous = np.arange(len(b) + 1)
    current = np.empty_like(previous)
    for i in range(1, len(a) + 1):
        current[0] = i
        for j in range(1, len(b) + 1):
            cost = previous[j - 1] + (a[i - 1] != b[j - 1])
            current[j] = min(previous[j] + 1, current[j - 1] + 1, cost)
        previous, current = current, previous
    return int(previous[len(b)])


def exact_similarities(
    normal: Normalized,
    a: npt.NDArray[np.int64],
    b: npt.NDArray[np.int64],
    words: bool = True,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(character 4-shingle Jaccard, word similarity) of each text pair (a[k], b[k]), exact:
    ``jaccard(shingles(x), shingles(y))`` and ``word_similarity`` (0 where ``words`` is
    False), computed in one compiled pass instead of a Python set per caption (~0.2 ms a
    caption: a million captions' candidates took most of the dedup's time)."""
    codes, counts = shingle_codes(normal)
    code_starts = np.cumsum(counts) - counts
    chars = np.zeros(len(a), dtype=np.float64)
    similar = np.zeros(len(a), dtype=np.float64)
    _exact_kernel(
        normal.buffer, normal.starts, normal.ends, codes, code_starts, counts, a, b, words,
        chars, similar,
    )  # fmt: skip
    return chars, similar


@numba.njit(cache=True, nogil=True)
def _distinct_sorted(x: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    x = np.sort(x)
    if len(x) == 0:
        return x
    keep = np.ones(len(x), dtype=np.bool_)
    keep[1:] = x[1:] != x[:-1]
    return x[keep]


@numba.njit(cache=True, nogil=True)
def _word_hashes(buffer: npt.NDArray[np.uint8], start: int, end: int) -> npt.NDArray[np.int64]:
    """FNV-1a of each space-separated word of buffer[start:end] (a normal form)."""
    if end <= start:
        return np.zeros(0, dtype=np.int64)
    n = 1
    for c in range(start, end):
        n += buffer[c] == 32
    out = np.empty(n, dtype=np.int64)
    h, w = np.uint64(0xCBF29CE484222325), 0
    for c in range(start, end):
        if buffer[c] == 32:
            out[w] = np.int64(h)
            h, w = np.uint64(0xCBF29CE484222325), w + 1
        else:
            h = (h ^ np.uint64(buffer[c])) * np.uint64(0x100000001B3)
    out[w] = np.int64(h)
    return out


@numba.njit(parallel=True, cache=True, nogil=True)
def _exact_kernel(
    buffer: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
    codes: npt.NDArray[np.uint32],
    code_starts: npt.NDArray[np.int64],
    counts: npt.NDArray[np.int64],
    a: npt.NDArray[np.int64],
    b: npt.NDArray[np.int64],
    words: bool,
    chars: npt.NDArray[np.float64],
    similar: npt.NDArray[np.float64],
) -> None:
    for k in numba.prange(len(a)):
        i, j = a[k], b[k]
        x = _distinct_sorted(codes[code_starts[i] : code_starts[i] + counts[i]])
        y = _distinct_sorted(codes[code_starts[j] : code_starts[j] + counts[j]])
        if len(x) and len(y):
            p, q, both = 0, 0, 0
            while p < len(x) and q < len(y):
                if x[p] == y[q]:
                    both, p, q = both + 1, p + 1, q + 1
                elif x[p] < y[q]:
                    p += 1
                else:
                    q += 1
            chars[k] = both / (len(x) + len(y) - both)
        if words:
            u = _word_hashes(buffer, starts[i], ends[i])
            v = _word_hashes(buffer, starts[j], ends[j])
            if len(u) and len(v):
                similar[k] = 1 - _word_edits(u, v) / max(len(u), len(v))


@dataclass(frozen=True)
class Banding:
    rows: int
    bands: int

    @property
    def num_perm(self) -> int:
        return self.rows * self.bands

    def candidate_probability(self, similarity: float) -> float:
        return 1 - (1 - similarity**self.rows) ** self.bands


def banding(threshold: float, recall: float = 0.99, max_perm: int = 256) -> Banding:
    """The most selective banding (most rows per band) that makes a pair at ``threshold`` a
    candidate with probability >= ``recall`` within ``max_perm`` permutations."""
    best = Banding(1, 1)
    for rows in range(1, 9):
        hit = threshold**rows
        bands = 1 if hit >= 1 else math.ceil(math.log(1 - recall) / math.log(1 - hit))
        if rows * bands <= max_perm:
            best = Banding(rows, bands)
    return best


def caption_banding(threshold: float, match: CaptionMatch = "chars_or_words") -> Banding:
    """The banding that proposes the pairs ``match`` may call similar at ``threshold``."""
    if match == "chars":
        return banding(threshold)
    return banding(max(threshold - WORD_REACH, 0.05), recall=0.9)


def estimate_floor(threshold: float, match: CaptionMatch = "chars_or_words") -> float:
    """Candidates whose MinHash estimate is below this are never verified."""
    return threshold - ESTIMATE_MARGIN - (WORD_REACH if match == "chars_or_words" else 0.0)


def shingle_codes(
    normal: Normalized, k: int = SHINGLE
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """Every text's k-shingles (k <= 4) as uint32 codes (its bytes, big-endian; a text shorter
    than k is one code, zero-padded, which no real shingle is), flattened in text order, and
    each text's count of them."""
    if not 1 <= k <= 4:
        raise ValueError("shingle codes hold at most 4 bytes")
    raw = normal.buffer
    windows = max(len(raw) - k + 1, 0)
    codes = np.zeros(windows, dtype=np.uint32)
    clean = np.ones(windows, dtype=bool)  # the window holds no newline: inside one text
    for d in range(k):
        part = raw[d : d + windows]
        codes |= part.astype(np.uint32) << np.uint32(8 * (k - 1 - d))
        clean &= part != 10
    codes = codes[clean]  # in text order, each text's windows contiguous
    lengths = normal.ends - normal.starts
    counts = np.maximum(lengths - k + 1, 0)
    short = np.flatnonzero((lengths > 0) & (lengths < k))
    if len(short):
        extra = np.array(
            [
                int.from_bytes(normal.text(int(i)).encode("ascii").ljust(4, b"\0"), "big")
                for i in short
            ],
            dtype=np.uint32,
        )
        owner = np.concatenate((np.repeat(np.arange(len(counts)), counts), short))
        codes = np.concatenate((codes, extra))[np.argsort(owner, kind="stable")]
        counts[short] = 1
    return codes, counts


@dataclass(frozen=True)
class Sketches:
    #: texts x permutations: the top 16 bits of each minimum (all ones: no shingles)
    signature: Signature
    #: bands x texts: a 64-bit hash of the band's full 32-bit minima
    band_keys: npt.NDArray[np.uint64]
    #: the text has shingles (an empty one is never paired)
    usable: npt.NDArray[np.bool_]


def concat_sketches(parts: Sequence[Sketches]) -> Sketches:
    """The sketches of consecutive batches of texts as one (as if sketched at once)."""
    return Sketches(
        np.concatenate([p.signature for p in parts]),
        np.concatenate([p.band_keys for p in parts], axis=1),
        np.concatenate([p.usable for p in parts]),
    )


def sketch_texts(texts: Sequence[str], band: Banding) -> Sketches:
    """Sketches of raw texts (normalised here): one batch of a distributed run."""
    return sketch(normalize_all(texts), band)


def sketch(normal: Normalized, band: Banding) -> Sketches:
    """MinHash signatures and band keys of every text. Permutation p of a shingle is
    ``mult[p] * fmix32(code) + add[p]`` modulo 2**32: murmur3's finaliser (a bijection that
    spreads every bit of the 4 bytes) and then multiply-add hashing, one draw per permutation."""
    codes, counts = shingle_codes(normal)
    rng = np.random.default_rng(_SEED)
    mult = rng.integers(0, 2**32, size=band.num_perm, dtype=np.uint64).astype(np.uint32)
    mult |= np.uint32(1)  # odd: multiplying is a bijection modulo 2**32
    add = rng.integers(0, 2**32, size=band.num_perm, dtype=np.uint64).astype(np.uint32)
    signature = np.empty((len(counts), band.num_perm), dtype=np.uint16)  # the kernel fills it
    keys = np.zeros((band.bands, len(counts)), dtype=np.uint64)
    starts = np.cumsum(counts) - counts
    _minhash_kernel(codes, starts, counts, mult, add, band.rows, signature, keys)
    return Sketches(signature, keys, counts > 0)


@numba.njit(parallel=True, cache=True, nogil=True)
def _minhash_kernel(
    codes: npt.NDArray[np.uint32],
    starts: npt.NDArray[np.int64],
    counts: npt.NDArray[np.int64],
    mult: npt.NDArray[np.uint32],
    add: npt.NDArray[np.uint32],
    rows: int,
    signature: npt.NDArray[np.uint16],
    keys: npt.NDArray[np.uint64],
) -> None:
    """One text per iteration (texts split over the cores); the loop over permutations is
    what LLVM vectorises (8 uint32 lanes with AVX2): ~0.3 ns per shingle and permutation,
    where one numpy pass per permutation costs ~4x that."""
    for i in numba.prange(len(starts)):
        if counts[i] == 0:
            signature[i, :] = 0xFFFF
            continue
        row = np.full(len(mult), 0xFFFFFFFF, dtype=np.uint32)
        for g in range(starts[i], starts[i] + counts[i]):
            x = codes[g]
            x ^= x >> 16
            x = np.uint32(x * np.uint32(0x85EBCA6B))
            x ^= x >> 13
            x = np.uint32(x * np.uint32(0xC2B2AE35))
            x ^= x >> 16
            for p in range(len(mult)):
                row[p] = min(row[p], np.uint32(x * mult[p] + add[p]))
        for p in range(len(mult)):
            signature[i, p] = row[p] >> 16
        for b in range(keys.shape[0]):
            h = np.uint64(0x9E3779B97F4A7C15) ^ np.uint64(b)
            for p in range(b * rows, (b + 1) * rows):
                h = (h ^ np.uint64(row[p])) * np.uint64(0x100000001B3)
                h ^= h >> np.uint64(29)
            keys[b, i] = h


def candidate_pairs(
    found: Sketches, floor: float = 0.0
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(later, earlier) index pairs of usable texts that share at least one band and whose
    MinHash estimate is at least ``floor``, each once. The estimate is taken band by band, so
    the many chance pairs of a low-row banding (~300 a caption at 5 rows x 45 bands on the
    bench corpus) never pile up in memory.

    Each band is one sort of (key, index) packed in a uint64 (the key's top bits, then the
    index), so a bucket lists its texts in input order; the key's low bits are dropped, which
    only adds a candidate per ~2**40 pairs (verification removes it)."""
    index = np.flatnonzero(found.usable)
    every = len(index) == len(found.usable)
    bits = max(len(index).bit_length(), 1)
    low = np.uint64((1 << bits) - 1)
    position = np.arange(len(index), dtype=np.uint64)
    pairs: list[npt.NDArray[np.uint64]] = []
    for keys in found.band_keys:
        packed = np.sort(((keys if every else keys[index]) & ~low) | position)
        key = packed >> np.uint64(bits)
        same = key[1:] == key[:-1]  # the next text shares this one's bucket
        if not same.any():
            continue
        shared = np.zeros(len(key), dtype=bool)
        shared[1:] |= same
        shared[:-1] |= same
        chosen = np.flatnonzero(shared)  # texts in buckets of two or more (few)
        key, member = key[chosen], (packed[chosen] & low).astype(np.int64)
        new = np.ones(len(key), dtype=bool)
        new[1:] = key[1:] != key[:-1]
        first = np.maximum.accumulate(np.where(new, np.arange(len(key)), 0))
        partners = np.minimum(np.arange(len(key)) - first, BUCKET_CAP)
        total = int(partners.sum())
        later = np.repeat(np.arange(len(key)), partners)
        earlier = (
            first[later] + np.arange(total) - np.repeat(np.cumsum(partners) - partners, partners)
        )
        a, e = index[member[later]], index[member[earlier]]
        if floor > 0:
            close = np.empty(len(a), dtype=np.bool_)
            _close_enough(found.signature, a, e, floor, close)
            a, e = a[close], e[close]
        pairs.append((a.astype(np.uint64) << np.uint64(32)) | e.astype(np.uint64))
    if not pairs:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    every_pair = np.sort(np.concatenate(pairs))
    fresh = np.ones(len(every_pair), dtype=bool)
    fresh[1:] = every_pair[1:] != every_pair[:-1]
    unique = every_pair[fresh]
    return (unique >> np.uint64(32)).astype(np.int64), (unique & np.uint64(0xFFFFFFFF)).astype(
        np.int64
    )


#: signature entries compared first: one 64-byte cache line; a pair whose estimate over them
#: is ``PREFIX_SLACK`` below the floor (~3 standard deviations of a 32-entry estimate) is
#: rejected without reading the rest (chance pairs are most of a low-row banding's pairs)
PREFIX = 32
PREFIX_SLACK = 0.25


@numba.njit(parallel=True, cache=True, nogil=True)
def _close_enough(
    sig: Signature,
    a: npt.NDArray[np.int64],
    b: npt.NDArray[np.int64],
    floor: float,
    out: npt.NDArray[np.bool_],
) -> None:
    """Whether each pair's MinHash estimate reaches ``floor`` (no signature row copied)."""
    width = sig.shape[1]
    prefix = min(PREFIX, width)
    for k in numba.prange(len(a)):
        same = 0
        for p in range(prefix):
            same += sig[a[k], p] == sig[b[k], p]
        if same < (floor - PREFIX_SLACK) * prefix:
            out[k] = False
            continue
        for p in range(prefix, width):
            same += sig[a[k], p] == sig[b[k], p]
        out[k] = same >= floor * width


def estimated_similarity(
    sig: Signature, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64], chunk: int = 100_000
) -> npt.NDArray[np.float64]:
    """The share of signature entries two texts agree on: MinHash's Jaccard estimate."""
    out = np.empty(len(a), dtype=np.float64)
    for s in range(0, len(a), chunk):
        out[s : s + chunk] = (sig[a[s : s + chunk]] == sig[b[s : s + chunk]]).mean(axis=1)
    return out


def similar_pairs(
    normal: Normalized,
    threshold: float,
    sketches: Sketches | None = None,
    match: CaptionMatch = "chars_or_words",
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(later, earlier) text pairs worth verifying: they share a band and their estimate is
    at least ``estimate_floor``. Texts with no shingles never pair. ``sketches``: those of
    ``normal`` computed elsewhere (in batches: a text's sketch depends on that text only),
    else computed here."""
    found = sketches if sketches is not None else sketch(normal, caption_banding(threshold, match))
    return candidate_pairs(found, max(estimate_floor(threshold, match), 1e-9))
