"""A seeded caption corpus shaped like COCO's, for the dedup tests and bench/dedup_scaling.py.

Captions of 8-15 words drawn from a Zipf-distributed vocabulary of a few thousand words (the
commonest ones real function words, the rest pronounceable made-up words), so two unrelated
captions share little beyond "a", "on", "the", as real captions do; the old bench's 33-word
vocabulary made every caption look like every other. A share of captions are planted
near-duplicates of an earlier caption, made by 1-3 realistic edits (a word deleted, inserted or
substituted, case or punctuation changed), with the ground truth kept; another share carry PII
(an e-mail address, a phone number, a listed person's name), and some carry capitalised words
that are not PII (place names), so a cheap PII pre-gate is exercised on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

FUNCTION_WORDS = [
    "a",
    "an",
    "the",
    "of",
    "on",
    "in",
    "with",
    "and",
    "is",
    "are",
    "at",
    "to",
    "two",
    "near",
    "by",
    "his",
    "her",
    "its",
    "some",
    "white",
    "black",
    "man",
    "woman",
    "people",
    "sitting",
    "standing",
    "while",
    "next",
    "front",
    "top",
    "group",
    "large",
    "small",
    "red",
    "blue",
    "holding",
    "dog",
    "cat",
    "street",
    "table",
]
SYLLABLES = [
    "ba",
    "be",
    "bi",
    "bo",
    "bu",
    "ca",
    "ce",
    "co",
    "da",
    "de",
    "di",
    "do",
    "fa",
    "fe",
    "fi",
    "fo",
    "ga",
    "ge",
    "go",
    "ha",
    "he",
    "hi",
    "ho",
    "ka",
    "ke",
    "ki",
    "ko",
    "la",
    "le",
    "li",
    "lo",
    "lu",
    "ma",
    "me",
    "mi",
    "mo",
    "mu",
    "na",
    "ne",
    "ni",
    "no",
    "pa",
    "pe",
    "pi",
    "po",
    "ra",
    "re",
    "ri",
    "ro",
    "ru",
    "sa",
    "se",
    "si",
    "so",
    "ta",
    "te",
    "ti",
    "to",
    "tu",
    "va",
    "ve",
    "vi",
    "wa",
    "we",
    "wi",
    "ya",
    "yo",
    "za",
    "zo",
    "ar",
    "er",
    "ir",
    "or",
    "ur",
    "an",
    "en",
    "in",
    "on",
    "un",
    "st",
    "tr",
    "pl",
    "gr",
]
PLACES = ("Paris", "London", "Tokyo", "Central Park", "Main Street Market", "New York")
EDITS = ("delete", "insert", "substitute", "case", "punctuation")


@dataclass
class Corpus:
    captions: list[str]
    #: planted near-duplicates: (copy index, source index), the source earlier
    planted: list[tuple[int, int]] = field(default_factory=list)
    #: edits applied to make each planted copy, in the order of ``planted``
    edits: list[int] = field(default_factory=list)
    #: indices of captions given PII
    pii: list[int] = field(default_factory=list)


def vocabulary(size: int, seed: int = 0) -> list[str]:
    """``size`` distinct words, the function words first (the Zipf head)."""
    rng = np.random.default_rng(seed)
    words = list(FUNCTION_WORDS)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES, size=int(rng.integers(2, 5))))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def _pii(rng: np.random.Generator, first: list[str], last: list[str]) -> str:
    kind = int(rng.integers(3))
    name_a, name_b = str(rng.choice(first)), str(rng.choice(last))
    if kind == 0:
        return f"{name_a}.{name_b}{int(rng.integers(100))}@example.com"
    if kind == 1:
        return f"call 555-{int(rng.integers(200, 999))}-{int(rng.integers(1000, 9999))}"
    return f"{name_a.title()} {name_b.title()}"


def _edit(words: list[str], rng: np.random.Generator, draw: object) -> list[str]:
    out = list(words)
    what = EDITS[int(rng.integers(len(EDITS)))]
    k = int(rng.integers(len(out)))
    if what == "delete" and len(out) > 4:
        del out[k]
    elif what == "insert":
        out.insert(k, draw())  # type: ignore[operator]
    elif what == "substitute":
        out[k] = draw()  # type: ignore[operator]
    elif what == "case":
        out[k] = out[k].upper() if rng.random() < 0.3 else out[k].capitalize()
    else:
        out[k] = out[k] + str(rng.choice([",", ".", "!", ";"]))
    return out


def corpus(
    n: int,
    seed: int = 0,
    vocab: int = 4000,
    zipf: float = 1.1,
    dup_share: float = 0.05,
    pii_share: float = 0.01,
    place_share: float = 0.02,
    names: tuple[list[str], list[str]] | None = None,
) -> Corpus:
    """``n`` captions; see the module docstring. ``names``: (first, last) name lists for the
    planted people (default: a few fixed ones; pass the shipped list to exercise the judge)."""
    rng = np.random.default_rng(seed)
    words = np.array(vocabulary(vocab, seed))
    weights = 1.0 / np.arange(1, vocab + 1) ** zipf
    weights /= weights.sum()
    first, last = names or (["maria", "john", "aisha"], ["garcia", "smith", "khan"])
    pool = iter(())  # words drawn in blocks: one rng call per 4096 words, not per word

    def draw() -> str:
        nonlocal pool
        try:
            return next(pool)  # type: ignore[no-any-return]
        except StopIteration:
            pool = iter(rng.choice(words, size=4096, p=weights).tolist())
            return next(pool)  # type: ignore[no-any-return]

    out = Corpus([])
    for i in range(n):
        if i and rng.random() < dup_share:
            source = int(rng.integers(i))
            edited = out.captions[source].split()
            count = int(rng.integers(1, 4))
            for _ in range(count):
                edited = _edit(edited, rng, draw)
            out.planted.append((i, source))
            out.edits.append(count)
            out.captions.append(" ".join(edited))
            continue
        caption = [draw() for _ in range(int(rng.integers(8, 16)))]
        caption[0] = caption[0].capitalize()
        if rng.random() < pii_share:
            caption.insert(int(rng.integers(1, len(caption))), _pii(rng, first, last))
            out.pii.append(i)
        elif rng.random() < place_share:
            caption.insert(int(rng.integers(1, len(caption))), f"in {rng.choice(PLACES)}")
        out.captions.append(" ".join(caption) + ("." if rng.random() < 0.5 else ""))
    return out
