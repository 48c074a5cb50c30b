"""Image near-duplicate candidates at scale: every pair of 64-bit perceptual hashes within a
Hamming distance, found by multi-index hashing instead of comparing each image with every
kept one.

The hash is cut into ``BANDS`` bands of 16 bits. Two hashes within ``d`` bits differ in at
most ``d // BANDS`` bits of at least one band (pigeonhole), so probing each band's sorted values
with the hash's own band value and every value within that many bit flips finds every pair
within ``d``: recall is exact, not estimated. A compiled loop checks each probe hit's full
64-bit distance as it visits it, so memory holds true matches, never the candidates. Cost
grows with the squared count over 2**16 per probe: ~4e6 candidate pairs at 100k uniformly
spread hashes, ~4e8 at 1M (real pHashes cluster more; duplicate-heavy sets more still).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import imagehash
import numba
import numpy as np
import numpy.typing as npt

BANDS = 4
BAND_BITS = 64 // BANDS
#: probes per step: bounds the probe arrays of one (band, flip) step
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
    for band in range(BANDS):
        values = ((bits >> np.uint64(BAND_BITS * band)) & np.uint64(0xFFFF)).astype(np.int64)
        order = np.argsort(values, kind="stable")
        ordered = values[order]
        ordered_bits = bits[order]  # read in sequence by the loop, not gathered
        for flip in flips:
            for s in range(0, n, _CHUNK):
                probe = values[s : s + _CHUNK] ^ flip
                low = np.searchsorted(ordered, probe, "left")
                high = np.searchsorted(ordered, probe, "right")
                found.append(_verified(bits, ordered_bits, order, low, high, s, max_distance))
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    unique = np.unique(np.concatenate(found))
    return (unique >> np.uint64(32)).astype(np.int64), (unique & np.uint64(0xFFFFFFFF)).astype(
        np.int64
    )


@numba.njit(cache=True, nogil=True)
def _verified(
    bits: npt.NDArray[np.uint64],
    ordered_bits: npt.NDArray[np.uint64],
    order: npt.NDArray[np.int64],
    low: npt.NDArray[np.int64],
    high: npt.NDArray[np.int64],
    first: int,
    max_distance: int,
) -> npt.NDArray[np.uint64]:
    """(later << 32 | earlier) of each probe hit with an earlier row within ``max_distance``
    bits: candidates are checked as they are visited, never stored (two passes: count, fill)."""
    total = 0
    for pass_ in range(2):
        out = np.empty(total, dtype=np.uint64)
        total = 0
        for k in range(len(low)):
            later = first + k
            mine = bits[later]
            for slot in range(low[k], high[k]):
                earlier = order[slot]
                if earlier >= later:
                    continue
                x = mine ^ ordered_bits[slot]
                count = 0
                while x:
                    x &= x - np.uint64(1)
                    count += 1
                if count <= max_distance:
                    if pass_ == 1:
                        out[total] = (np.uint64(later) << np.uint64(32)) | np.uint64(earlier)
                    total += 1
    return out
