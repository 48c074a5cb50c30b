"""Surface signals the toxicity judge's head reads beside sentence embeddings.

Embeddings say what a sentence is about; they are weak at *how* words are used. These flags
carry what they miss, each cheap and deterministic:

- ``profanity``: the worst clause's probability from ``alt-profanity-check`` (a linear model over
  word n-grams shipped inside its wheel): swearing, whether or not it attacks anyone;
- ``quoted``: a quoted span ("...", curly quotes): words shown, not necessarily said;
- ``mention``: meta-language about words ("the word", "slur", "was called", "reads", "means"):
  a term discussed, reported or described rather than used;
- ``addressed``: the reader is addressed ("you", "your"): insults and threats usually are.

None of them decides alone: the head learns how much each weighs against the embeddings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

#: clause boundaries for the profanity signal: a long benign answer must not dilute a rude clause
_CLAUSE = re.compile(r"[.,;:!?\"\u201c\u201d\n]+")
_QUOTED = re.compile(r"\"[^\"]{1,200}\"|\u201c[^\u201d]{1,200}\u201d|'[^'\s][^']{0,60}'(?!\w)")
_MENTION = re.compile(
    r"\b(?:the (?:word|words|term|terms|phrase|slur|slurs|label|expression|n-word|f-word)|"
    r"slurs?|epithets?|derogatory|pejorative|offensive (?:word|term|language)|"
    r"(?:was|were|is|are|got|being|been) called|called (?:me|him|her|them|us|it)|"
    r"(?:sign|caption|shirt|t-shirt|graffiti|banner|placard|poster|text|note|message|tweet|"
    r"comment|post|lyric|lyrics|line|headline)s? (?:says|said|reads|read|reading|saying)|"
    r"(?:shouted|yelled|wrote|written|screamed|chanted|muttered|said|says|reads)\s*[:,]?\s*[\"\u201c]|"
    r"means|meaning|refers? to|reclaim(?:ed|ing)?|quot(?:e|ed|ing))\b",
    re.IGNORECASE,
)
_ADDRESSED = re.compile(r"\b(?:you|your|you're|youre|yours|yourself|u|ur)\b", re.IGNORECASE)
FLAGS = ("profanity", "quoted", "mention", "addressed")


def clauses(text: str) -> list[str]:
    """The pieces the profanity signal scores, in order."""
    return [part.strip() for part in _CLAUSE.split(text) if part.strip()]


def worst_profanity(texts: Sequence[str]) -> list[tuple[float, str]]:
    """Each text's highest clause profanity probability and that clause, in one model call
    (0 and "" for a text with no words)."""
    from profanity_check import predict_prob

    pieces = [clauses(t) for t in texts]
    flat = [c for parts in pieces for c in parts]
    probs = predict_prob(flat) if flat else np.zeros(0)
    out: list[tuple[float, str]] = []
    start = 0
    for parts in pieces:
        if not parts:
            out.append((0.0, ""))
            continue
        own = probs[start : start + len(parts)]
        worst = int(np.argmax(own))
        out.append((float(own[worst]), parts[worst]))
        start += len(parts)
    return out


def flags(texts: Sequence[str]) -> np.ndarray:
    """One row of ``FLAGS`` per text (profanity in [0, 1], the others 0/1)."""
    profanity = worst_profanity(texts)
    rows = [
        (
            p,
            float(bool(_QUOTED.search(text))),
            float(bool(_MENTION.search(text))),
            float(bool(_ADDRESSED.search(text))),
        )
        for text, (p, _) in zip(texts, profanity, strict=True)
    ]
    return np.asarray(rows, dtype=np.float64).reshape(len(texts), len(FLAGS))
