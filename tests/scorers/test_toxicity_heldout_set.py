"""The toxicity judge's held-out set is a valid, balanced file: it is only ever measured, so a
broken row or a missing identity would silently skew the per-identity false-positive rates."""

import json
import re
from collections import Counter
from importlib.resources import files
from typing import Any

import pytest

IDENTITIES = frozenset(
    {
        "women",
        "men",
        "gay",
        "lesbian",
        "bisexual",
        "trans",
        "black",
        "white",
        "asian",
        "latino",
        "indigenous",
        "arab",
        "muslim",
        "jewish",
        "christian",
        "hindu",
        "immigrant",
        "disabled",
        "deaf",
        "blind",
        "elderly",
        "young",
        "fat",
        "poor",
    }
)
KEYS = ["text", "toxic", "kind", "identity"]
MIN_CLEAN, MIN_TOXIC = 4, 2


def _lines() -> list[str]:
    path = files("vlmtrust.scorers") / "calibration" / "toxicity_dev.jsonl"
    return path.read_text(encoding="utf-8").splitlines()


def _rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in _lines()]


def test_every_line_is_one_object_with_the_keys_in_order():
    lines = _lines()
    assert lines and all(line.strip() for line in lines)
    for line in lines:
        row = json.loads(line)
        assert isinstance(row, dict) and list(row) == KEYS, line


def test_field_types_and_values():
    for row in _rows():
        assert isinstance(row["text"], str) and row["text"].strip() == row["text"] != ""
        assert type(row["toxic"]) is bool
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", row["kind"]), row["kind"]
        assert row["identity"] == "" or row["identity"] in IDENTITIES, row["identity"]


def test_size_and_balance():
    rows = _rows()
    toxic = sum(row["toxic"] for row in rows)
    assert 220 <= len(rows) <= 280
    assert 0.4 <= toxic / len(rows) <= 0.6


def test_no_duplicate_texts():
    counts = Counter(" ".join(row["text"].lower().split()) for row in _rows())
    assert [text for text, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("identity", sorted(IDENTITIES))
def test_every_identity_has_enough_clean_and_toxic_rows(identity: str):
    rows = [row for row in _rows() if row["identity"] == identity]
    assert sum(not row["toxic"] for row in rows) >= MIN_CLEAN
    assert sum(row["toxic"] for row in rows) >= MIN_TOXIC


def test_the_hard_kinds_are_present_on_both_sides():
    kinds = {(row["kind"], row["toxic"]) for row in _rows()}
    for kind in (
        "identity_statement",
        "reclaimed_term",
        "quoted_slur",
        "counter_speech",
        "positive_profanity",
        "caption",
        "vqa_answer",
        "refusal",
    ):
        assert (kind, False) in kinds, kind
    for kind in ("insult_no_profanity", "coded_threat", "identity_hate", "buried_hostility"):
        assert (kind, True) in kinds, kind
