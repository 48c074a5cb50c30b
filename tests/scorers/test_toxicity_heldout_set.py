"""The toxicity judge's hand-written sets are valid, balanced files: the held-out ones are only ever
measured, so a broken row, a missing identity or a text leaked from another set would silently skew
the measured precision, recall and per-identity false-positive rates."""

import json
import re
from collections import Counter
from importlib.resources import files
from itertools import combinations
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
#: the dev sets: the first five held-out sets, each measured once, then folded into the tuning set
DEVS = tuple(f"toxicity_dev{n}.jsonl" for n in ("", "2", "3", "4", "5"))
#: the held-out set, never used for tuning: the sixth, written in genres none of the others has
#: before the judge was retrained with the fifth folded in
HELDOUT = ("toxicity_heldout6.jsonl",)
HAND_WRITTEN = (*DEVS, *HELDOUT)
TUNING = "toxicity_tuning.jsonl"


def _lines(name: str) -> list[str]:
    path = files("vlmtrust.scorers") / "calibration" / name
    return path.read_text(encoding="utf-8").splitlines()


def _rows(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in _lines(name)]


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _texts(name: str) -> set[str]:
    return {_norm(row["text"]) for row in _rows(name)}


@pytest.mark.parametrize("name", HAND_WRITTEN)
def test_every_line_is_one_object_with_the_keys_in_order(name: str):
    lines = _lines(name)
    assert lines and all(line.strip() for line in lines)
    for line in lines:
        row = json.loads(line)
        assert isinstance(row, dict) and list(row) == KEYS, line


@pytest.mark.parametrize("name", HAND_WRITTEN)
def test_field_types_and_values(name: str):
    for row in _rows(name):
        assert isinstance(row["text"], str) and row["text"].strip() == row["text"] != ""
        assert type(row["toxic"]) is bool
        assert isinstance(row["kind"], str)
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", row["kind"]), row["kind"]
        assert isinstance(row["identity"], str)
        assert row["identity"] == "" or row["identity"] in IDENTITIES, row["identity"]


@pytest.mark.parametrize("name", HAND_WRITTEN)
def test_size_and_balance(name: str):
    rows = _rows(name)
    toxic = sum(row["toxic"] for row in rows)
    assert 220 <= len(rows) <= 320
    assert 0.4 <= toxic / len(rows) <= 0.6


@pytest.mark.parametrize("name", HAND_WRITTEN)
def test_no_duplicate_texts(name: str):
    counts = Counter(_norm(row["text"]) for row in _rows(name))
    assert [text for text, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("name", HELDOUT)
def test_a_held_out_set_shares_no_text_with_the_tuning_set(name: str):
    assert sorted(_texts(name) & _texts(TUNING)) == []


@pytest.mark.parametrize(("first", "second"), list(combinations(HAND_WRITTEN, 2)))
def test_no_two_hand_written_sets_share_a_text(first: str, second: str):
    assert sorted(_texts(first) & _texts(second)) == []


def test_the_dev_set_is_inside_the_tuning_set():
    for dev in DEVS:
        assert _texts(dev) <= _texts(TUNING)


@pytest.mark.parametrize("name", HAND_WRITTEN)
@pytest.mark.parametrize("identity", sorted(IDENTITIES))
def test_every_identity_has_enough_clean_and_toxic_rows(name: str, identity: str):
    rows = [row for row in _rows(name) if row["identity"] == identity]
    assert sum(not row["toxic"] for row in rows) >= MIN_CLEAN
    assert sum(row["toxic"] for row in rows) >= MIN_TOXIC


@pytest.mark.parametrize("name", HAND_WRITTEN)
def test_the_hard_kinds_are_present_on_both_sides(name: str):
    kinds = {(row["kind"], row["toxic"]) for row in _rows(name)}
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
