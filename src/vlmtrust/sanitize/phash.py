"""Image near-duplicate candidates at scale: every pair of 64-bit perceptual hashes within a
Hamming distance, found by multi-index hashing instead of comparing each image with every
kept one.

The hash is cut into ``BANDS`` bands of 16 bits. Two hashes within ``d`` bits differ in at
most ``d // BANDS`` bits of at least one band (pigeonhole), so probing each band's sorted values
with the hash's own band value and every value within that many bit flips finds every pair
within ``d``: recall is exact, not estimated. Probes are verified with the full 64-bit distance
per (band, flip) step, so memory holds true matches, not every candidate. Cost grows with the
squared count over 2**16 per probe: ~4e6 candidate pairs at 100k uniformly spread hashes,
~4e8 at 1M (real pHashes cluster more; duplicates-heavy sets more still).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import imagehash
import numpy as np
import numpy.typing as npt

BANDS = 4
BAND_BITS = 64 // BANDS
#: probes per step: bounds the arrays of one (band, flip) step at ~n * this many pairs
_CHUNK = 1 << 20


def hash_bits(
    hashes: Sequence[imagehash.ImageHash] | npt.NDArray[np.uint64],
) -> npt.NDArray[np.uint64]:
    """64-bit pHashes as uint64 (the hash's bits in row order, first bit highest: the integer
    ``str(hash)`` spells in hex)."""
    if isinstance(hashes, np.ndarray):
        return hashes.astype(np.uint64, copy=False)
    if not len(hashes):
        return np.zeros(0, dtype=np.uint64)
    packed = np.packbits(np.stack([np.asarray(h.hash, dtype=bool).ravel() for h in hashes]), axis=1)
    if packed.shape[1] != 8:
        raise ValueError("image near-duplicates need 64-bit hashes (imagehash's default 8x8)")
    return packed.view(">u8").ravel().astype(np.uint64)


def distances(
    bits: npt.NDArray[np.uint64], a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """The Hamming distance of each pair (a[k], b[k])."""
    counts: npt.NDArray[np.int64] = np.bitwise_count(bits[a] ^ bits[b]).astype(np.int64)
    return counts


def near_pairs(
    bits: npt.NDArray[np.uint64], max_distance: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Every (later, earlier) pair within ``max_distance`` bits, sorted, each once."""
    if max_distance < 0:
        raise ValueError("max_distance is a bit count (>= 0)")
    n = len(bits)
    radius = max_distance // BANDS
    flips = np.array(
        [
            sum(1 << b for b in chosen)
            for r in range(radius + 1)
            for chosen in combinations(range(BAND_BITS), r)
        ],
        dtype=np.int64,
    )
    found: list[npt.NDArray[np.uint64]] = []
    rows = np.arange(n, dtype=np.int64)
    for band in range(BANDS):
        values = ((bits >> np.uint64(BAND_BITS * band)) & np.uint64(0xFFFF)).astype(np.int64)
        order = np.argsort(values, kind="stable")
        ordered = values[order]
        for flip in flips:
            for s in range(0, n, _CHUNK):
                probe = values[s : s + _CHUNK] ^ flip
                low = np.searchsorted(ordered, probe, "left")
                counts = np.searchsorted(ordered, probe, "right") - low
                later = np.repeat(rows[s : s + _CHUNK], counts)
                offset = np.arange(len(later)) - np.repeat(np.cumsum(counts) - counts, counts)
                earlier = order[np.repeat(low, counts) + offset]
                keep = earlier < later
                later, earlier = later[keep], earlier[keep]
                close = distances(bits, later, earlier) <= max_distance
                found.append(
                    (later[close].astype(np.uint64) << np.uint64(32))
                    | earlier[close].astype(np.uint64)
                )
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    unique = np.unique(np.concatenate(found))
    return (unique >> np.uint64(32)).astype(np.int64), (unique & np.uint64(0xFFFFFFFF)).astype(
        np.int64
    )
