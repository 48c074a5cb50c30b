"""The caption dedup's MinHash LSH against exact Jaccard on a small seeded corpus: the pairs it
proposes cover the pairs at the threshold (this fails if the banding is badly tuned), what it
drops is exactly what an all-pairs exact dedup drops (by character Jaccard alone, and by the
default larger-of character Jaccard and word similarity), its estimates agree with
datasketch's as well as datasketch's agree with the truth, and the vectorised normalisation
and shingle codes equal the one-text-at-a-time definitions."""

from __future__ import annotations

import imagehash
import numpy as np
import pytest
from caption_corpus import corpus
from datasketch import MinHash
from scipy.sparse import csr_matrix

from vlmtrust.sanitize.dedup import find_duplicates
from vlmtrust.sanitize.minhash import (
    banding,
    caption_banding,
    normalize,
    normalize_all,
    shingle_codes,
    shingles,
    similar_pairs,
    sketch,
    word_similarity,
)

THRESHOLD = 0.7
FLAT = imagehash.hex_to_hash("0" * 16)


@pytest.fixture(scope="module")
def small() -> tuple[list[str], list[set[str]], np.ndarray]:
    """1,200 captions, 15% planted near-copies, and the exact similarity of every pair (a
    sparse caption x shingle matrix times its transpose: intersections)."""
    captions = corpus(1200, seed=11, dup_share=0.15).captions
    sets = [shingles(normalize(c)) for c in captions]
    vocabulary = {s: k for k, s in enumerate(sorted(set().union(*sets)))}
    rows = np.repeat(np.arange(len(sets)), [len(s) for s in sets])
    cols = [vocabulary[s] for x in sets for s in x]
    member = csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(sets), len(vocabulary)))
    inter = (member @ member.T).toarray()
    sizes = np.array([len(s) for s in sets], dtype=float)
    exact = np.tril(inter / (sizes[:, None] + sizes[None, :] - inter), k=-1)
    return captions, sets, exact


def test_candidates_cover_the_pairs_at_the_threshold(small) -> None:
    captions, _, exact = small
    later, earlier = similar_pairs(normalize_all(captions), THRESHOLD, match="chars")
    proposed = set(zip(later.tolist(), earlier.tolist(), strict=True))
    truth = set(zip(*np.nonzero(exact >= THRESHOLD), strict=True))
    assert len(truth) >= 150  # enough planted pairs for the rate to mean something
    recall = len(truth & proposed) / len(truth)
    assert recall >= 0.97, recall  # the banding is tuned for 0.99 at the threshold
    # the LSH proposes few pairs beyond those worth verifying
    assert len(proposed) <= 3 * len(truth)


def test_drops_what_an_exact_all_pairs_dedup_drops(small) -> None:
    captions, _, exact = small
    kept: list[int] = []
    reference: dict[int, int] = {}
    for i in range(len(captions)):
        match = next((j for j in kept if exact[i, j] >= THRESHOLD), None)
        if match is None:
            kept.append(i)
        else:
            reference[i] = match
    found = find_duplicates(captions, [FLAT] * len(captions), mode="caption", match="chars")
    ours = {d.index: d.of for d in found}
    assert all(exact[i, j] >= THRESHOLD for i, j in ours.items())  # precision 1 by construction
    assert all(d.caption_word_similarity is None for d in found)
    assert all(d.caption_jaccard == round(float(exact[d.index, d.of]), 3) for d in found)
    agreeing = sum(ours.get(i) is not None for i in reference)
    assert agreeing / len(reference) >= 0.97
    assert len(set(ours) - set(reference)) <= 0.03 * len(reference)


def test_the_default_drops_what_an_exact_all_pairs_dedup_by_either_measure_drops(small) -> None:
    """Default match: a pair is similar when its character Jaccard OR its word similarity
    reaches the threshold; the LSH (tuned lower for it) must still find nearly all of them."""
    captions, _, exact = small
    words = [normalize(c).split() for c in captions]
    kept: list[int] = []
    reference: dict[int, int] = {}
    for i in range(len(captions)):
        match = next(
            (
                j
                for j in kept
                if exact[i, j] >= THRESHOLD or word_similarity(words[i], words[j]) >= THRESHOLD
            ),
            None,
        )
        if match is None:
            kept.append(i)
        else:
            reference[i] = match
    found = find_duplicates(captions, [FLAT] * len(captions), mode="caption")
    for d in found:  # each drop is verified exactly: the reported values are the true ones
        assert d.caption_jaccard == round(float(exact[d.index, d.of]), 3)
        assert d.caption_word_similarity == round(word_similarity(words[d.index], words[d.of]), 3)
        assert max(d.caption_jaccard, d.caption_word_similarity) >= THRESHOLD
    ours = {d.index: d.of for d in found}
    agreeing = sum(ours.get(i) is not None for i in reference)
    assert agreeing / len(reference) >= 0.97
    assert len(set(ours) - set(reference)) <= 0.03 * len(reference)
    # words reach copies characters miss: more is dropped than by characters alone
    by_chars = find_duplicates(captions, [FLAT] * len(captions), mode="caption", match="chars")
    assert len(found) > len(by_chars) * 1.05


def test_planted_copies_of_an_unseen_corpus_are_found_at_the_default() -> None:
    """Recall of 1-3 word edits at the default setting, on a seed no tuning looked at: the
    issue's bar is 0.95 (character Jaccard alone finds ~0.80 of them)."""
    made = corpus(4000, seed=23)
    found = find_duplicates(made.captions, [FLAT] * len(made.captions), mode="caption")
    dropped = {d.index for d in found}
    planted = {i for i, _ in made.planted}
    assert len(planted) >= 150
    assert len(planted & dropped) / len(planted) >= 0.95
    assert len(dropped - planted) <= 0.01 * len(dropped) + 1


def test_word_similarity_counts_edited_words_in_order() -> None:
    ten = ["a", "man", "riding", "a", "red", "bike", "down", "the", "long", "street"]
    assert word_similarity(ten, ten) == 1.0
    edited = [
        "a",
        "woman",
        "riding",
        "a",
        "blue",
        "bike",
        "down",
        "the",
        "long",
        "street",
    ]  # 2 substituted
    assert word_similarity(ten, edited) == pytest.approx(0.8)
    assert word_similarity(ten, ten[1:]) == pytest.approx(0.9)  # 1 deleted
    assert word_similarity(ten, ten[::-1]) < 0.3  # same words, another order
    assert word_similarity([], ten) == 0.0
    assert caption_banding(THRESHOLD, "chars") == banding(THRESHOLD)
    lower = caption_banding(THRESHOLD)  # reaches pairs of lower character Jaccard
    assert lower.candidate_probability(0.55) >= 0.9 > banding(THRESHOLD).candidate_probability(0.55)


def test_estimates_agree_with_datasketch(small) -> None:
    """Our signatures are not datasketch's (other hash functions), but both estimate the same
    Jaccard similarity: ours is no further from the exact value than datasketch's."""
    captions, sets, exact = small
    band = banding(THRESHOLD)
    found = sketch(normalize_all(captions[:300]), band)
    rng = np.random.default_rng(0)
    pairs = [(i, j) for i in range(300) for j in range(i) if exact[i, j] >= 0.3]
    pairs += [tuple(sorted(rng.choice(300, 2, replace=False), reverse=True)) for _ in range(100)]
    theirs = {}
    for i in {k for p in pairs for k in p}:
        mh = MinHash(num_perm=band.num_perm, seed=1)
        mh.update_batch([s.encode() for s in sets[i]])
        theirs[i] = mh
    ours_err = [
        abs(float((found.signature[i] == found.signature[j]).mean()) - exact[i, j])
        for i, j in pairs
    ]
    their_err = [abs(theirs[i].jaccard(theirs[j]) - exact[i, j]) for i, j in pairs]
    assert np.mean(ours_err) <= np.mean(their_err) * 1.25 + 0.005
    assert np.max(ours_err) < 0.15


def test_same_input_same_output() -> None:
    captions = corpus(400, seed=5, dup_share=0.2).captions
    first = find_duplicates(captions, [FLAT] * len(captions), mode="caption")
    second = find_duplicates(list(captions), [FLAT] * len(captions), mode="caption")
    assert first == second and len(first) > 20


@pytest.mark.parametrize(
    "texts",
    [
        [],
        [""],
        ["  Hello,   World!! ", "!!!", "ab", "a", "x@y.z  12"],
        ["Ünïcode ÀB 12 x", "İstanbul ǅ straße", "tab\tand\rcarriage", "A  B"],
        ["a caption\nwith a newline", "the next one"],
    ],
)
def test_vectorised_normal_forms_and_shingles_equal_the_definitions(texts: list[str]) -> None:
    normal = normalize_all(texts)
    assert [normal.text(i) for i in range(len(texts))] == [normalize(t) for t in texts]
    codes, counts = shingle_codes(normal)
    starts = np.cumsum(counts) - counts
    for i, text in enumerate(texts):
        mine = {int(c) for c in codes[starts[i] : starts[i] + counts[i]]}
        expected = {
            int.from_bytes(s.encode().ljust(4, b"\0"), "big") for s in shingles(normalize(text))
        }
        assert mine == expected, text


def test_blank_and_punctuation_only_captions_never_match() -> None:
    found = find_duplicates(["", "!!!", "...", "", "a dog"], [FLAT] * 5, mode="caption")
    assert found == []
