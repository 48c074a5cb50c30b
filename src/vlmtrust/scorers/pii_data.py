"""A generated, labelled PII set: the PII judge's calibration set and test data for sanitize.

Each text holds zero or more planted PII values of the supported types, with their exact
strings, inside plain sentences; negatives carry look-alikes that are not PII (a card number
failing the Luhn check, order numbers, prices, a lone first name used as a word). Names come from
the shipped list: the judge is calibrated on what it claims to support.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vlmtrust.scorers.pii import names

_STREETS = ("oak", "maple", "station", "high", "church", "mill", "park view", "north")
_SUFFIXES = ("street", "road", "avenue", "lane", "drive", "way")
_DOMAINS = ("example.com", "example.org", "mail.example.net")
_CARD_PREFIXES = ("4", "51", "37", "6011")
_FILLERS = (
    "the meeting moved to thursday afternoon.",
    "we ordered 3 boxes costing 45.99 each.",
    "route 66 is closed until 2027.",
    "invoice 2024-118 was paid in full.",
    "grace under pressure matters.",
    "bring 12 chairs and 4 tables.",
    "the picture shows a red circle on grass.",
)


@dataclass(frozen=True)
class LabelledText:
    text: str
    #: (entity type, exact planted string)
    planted: tuple[tuple[str, str], ...]


def luhn_complete(partial: str) -> str:
    """``partial`` plus the check digit that makes it pass the Luhn test."""
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return partial + str((10 - total % 10) % 10)


def _card(rng: np.random.Generator, valid: bool) -> str:
    prefix = str(rng.choice(_CARD_PREFIXES))
    length = 15 if prefix == "37" else 16
    body = prefix + "".join(str(rng.integers(10)) for _ in range(length - 1 - len(prefix)))
    number = luhn_complete(body)
    if not valid:
        number = number[:-1] + str((int(number[-1]) + 1) % 10)
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def fake_values(rng: np.random.Generator) -> dict[str, str]:
    listed = names()
    first = str(rng.choice(listed["first"]))
    last = str(rng.choice(listed["last"]))
    return {
        "PERSON": f"{first.title()} {last.title()}",
        "EMAIL_ADDRESS": f"{first}.{last}{rng.integers(100)}@{rng.choice(_DOMAINS)}",
        "PHONE_NUMBER": f"555-{rng.integers(200, 1000)}-{rng.integers(1000, 10000)}",
        "CREDIT_CARD": _card(rng, valid=True),
        "STREET_ADDRESS": f"{rng.integers(1, 999)} {rng.choice(_STREETS)} {rng.choice(_SUFFIXES)}",
    }


_TEMPLATES = {
    "PERSON": "this photo was taken by {}.",
    "EMAIL_ADDRESS": "write to {} for details.",
    "PHONE_NUMBER": "call {} after six.",
    "CREDIT_CARD": "paid with card {} yesterday.",
    "STREET_ADDRESS": "she lives at {} now.",
}


def labelled_texts(n: int, seed: int = 0, positive_share: float = 0.6) -> list[LabelledText]:
    """``n`` texts; a ``positive_share`` of them plant 1-3 PII values of random types."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        parts = [str(rng.choice(_FILLERS))]
        planted: list[tuple[str, str]] = []
        if rng.random() < positive_share:
            values = fake_values(rng)
            kinds = rng.choice(list(_TEMPLATES), size=int(rng.integers(1, 4)), replace=False)
            for kind in kinds:
                parts.append(_TEMPLATES[str(kind)].format(values[str(kind)]))
                planted.append((str(kind), values[str(kind)]))
        else:
            parts.append(f"card {_card(rng, valid=False)} was declined as invalid.")
        order = rng.permutation(len(parts))
        out.append(LabelledText(" ".join(parts[i] for i in order), tuple(planted)))
    return out
