"""Consistent pseudonyms: the same real value gets the same surrogate everywhere.

Presidio's anonymizer does the replacing with a custom operator; the surrogate is a keyed hash
of the normalised value, so it is the same in every row, on every run, and after a resume,
without keeping a table. Distinct people may (rarely) share a surrogate: the fake-name space is
the shipped list's first x last names (~57k).
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from vlmtrust.scorers.pii import find_pii, names


def _digest(entity: str, value: str, key: str) -> int:
    normal = re.sub(r"[^a-z0-9@]", "", value.lower())
    return int.from_bytes(hashlib.sha256(f"{key}|{entity}|{normal}".encode()).digest()[:8], "big")


def surrogate(entity: str, value: str, key: str = "vlmtrust") -> str:
    """A fake value of the same kind, fixed by (entity, normalised value, key)."""
    h = _digest(entity, value, key)
    listed = names()
    if entity == "PERSON":
        first = listed["first"][h % len(listed["first"])]
        last = listed["last"][(h // 1000) % len(listed["last"])]
        name = f"{first} {last}"
        return name.title() if value[:1].isupper() else name
    if entity == "EMAIL_ADDRESS":
        return f"user{h % 10**6:06d}@example.invalid"
    if entity == "PHONE_NUMBER":
        return f"555-01{h % 100:02d}-{(h // 100) % 10**4:04d}"
    if entity == "CREDIT_CARD":
        return "[CREDIT_CARD]"
    if entity == "STREET_ADDRESS":
        return f"{h % 900 + 100} Surrogate Street"
    return f"[{entity}]"


@dataclass(frozen=True)
class Replacement:
    entity: str
    original: str
    surrogate: str


@functools.cache
def _anonymizer() -> Any:
    from presidio_anonymizer import AnonymizerEngine

    return AnonymizerEngine()  # type: ignore[no-untyped-call]


def pseudonymize(text: str, key: str = "vlmtrust") -> tuple[str, list[Replacement]]:
    """``text`` with every PII span replaced by its surrogate, and what was replaced."""
    from presidio_analyzer import RecognizerResult
    from presidio_anonymizer.entities import OperatorConfig

    found = find_pii(text)
    if not found:
        return text, []
    results = [RecognizerResult(f.entity, f.start, f.end, f.score) for f in found]
    operators = {
        f.entity: OperatorConfig(
            "custom", {"lambda": functools.partial(_replace, entity=f.entity, key=key)}
        )
        for f in found
    }
    out = _anonymizer().anonymize(text=text, analyzer_results=results, operators=operators)
    return out.text, [
        Replacement(f.entity, f.text, surrogate(f.entity, f.text, key)) for f in found
    ]


def _replace(value: str, entity: str, key: str) -> str:
    return surrogate(entity, value, key)
