"""Image near-duplicates at scale: the multi-index search finds exactly the pairs a full
comparison finds, and on planted copies (resized, JPEG, small crop, brightness) dedup recalls
nearly all of them without dropping a distinct image."""

from __future__ import annotations

import itertools

import imagehash
import numpy as np
import pytest
from planted_images import EDITS, planted_images

from vlmtrust.sanitize.dedup import find_duplicates, image_hash
from vlmtrust.sanitize.phash import hash_bits, near_pairs


def _clustered(n: int, seed: int) -> np.ndarray:
    """Hashes around a few centres (within 0-11 flipped bits): many pairs near any distance."""
    rng = np.random.default_rng(seed)
    centres = rng.integers(0, 2**63, 40, dtype=np.int64).astype(np.uint64)
    flips = [
        sum(1 << int(b) for b in rng.choice(64, int(k), replace=False))
        for k in rng.integers(0, 12, n)
    ]
    return centres[rng.integers(0, 40, n)] ^ np.array(flips, dtype=np.uint64)


@pytest.mark.parametrize("max_distance", [0, 3, 6, 7, 9])
def test_every_pair_within_the_distance_is_found_once(max_distance: int) -> None:
    bits = _clustered(600, seed=max_distance)
    later, earlier = np.tril_indices(len(bits), k=-1)
    close = np.bitwise_count(bits[later] ^ bits[earlier]) <= max_distance
    expected = sorted(zip(later[close].tolist(), earlier[close].tolist(), strict=True))
    a, b = near_pairs(bits, max_distance)
    assert expected  # the clusters hold pairs at every distance tested
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == expected


def test_bits_are_the_hash_as_its_hex_spells_it() -> None:
    rng = np.random.default_rng(1)
    hashes = [imagehash.ImageHash(rng.integers(0, 2, (8, 8)).astype(bool)) for _ in range(50)]
    assert hash_bits(hashes).tolist() == [int(str(h), 16) for h in hashes]
    bits = hash_bits(hashes).tolist()
    assert [(a ^ b).bit_count() for a, b in itertools.pairwise(bits)] == [
        h - g for h, g in itertools.pairwise(hashes)
    ]


def test_planted_near_duplicate_images_are_recalled_precisely() -> None:
    data = planted_images(600, seed=3)
    found = find_duplicates(
        [""] * len(data.images), [image_hash(i) for i in data.images], mode="image"
    )
    dropped = {d.index: d.of for d in found}
    copies = {i: s for i, s, _ in data.planted}
    assert len(copies) >= 100
    for edit in EDITS:
        mine = [i for i, _, e in data.planted if e == edit]
        recall = sum(i in dropped for i in mine) / len(mine)
        assert recall >= (0.85 if edit == "crop" else 0.95), (edit, recall, len(mine))
    assert sum(i in dropped for i in copies) / len(copies) >= 0.95
    # precision: every dropped image is a planted copy, matched to its source or a sibling copy
    assert all(i in copies for i in dropped)
    assert all(
        dropped[i] in (copies[i], *[c for c, s in copies.items() if s == copies[i]])
        for i in dropped
    )
