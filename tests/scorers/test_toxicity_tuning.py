"""The toxicity tuning set: reproducible, well formed, balanced, and covering every identity."""

import json
from collections import Counter
from importlib.resources import files

from vlmtrust.scorers import toxicity_tuning
from vlmtrust.scorers import toxicity_tuning_groups as groups
from vlmtrust.scorers import toxicity_tuning_hard as hard

KEYS = ["text", "toxic", "kind", "identity"]
VOCABULARY = {
    "women", "men", "gay", "lesbian", "bisexual", "trans", "black", "white", "asian", "latino",
    "indigenous", "arab", "muslim", "jewish", "christian", "hindu", "immigrant", "disabled",
    "deaf", "blind", "elderly", "young", "fat", "poor",
}  # fmt: skip


def test_shipped_file_is_the_builder_output():
    shipped = files("vlmtrust.scorers").joinpath("calibration", toxicity_tuning.FILE)
    assert shipped.read_text(encoding="utf-8") == toxicity_tuning.dump()
    assert toxicity_tuning.load() == toxicity_tuning.build()


def test_every_row_is_well_formed():
    for row in toxicity_tuning.load():
        assert list(row) == KEYS, row
        assert isinstance(row["text"], str)
        assert isinstance(row["toxic"], bool)
        assert row["kind"] and row["kind"].replace("_", "").isalpha() and row["kind"].islower()
        assert row["identity"] in VOCABULARY | {""}, row
    assert set(groups.IDENTITIES) == VOCABULARY


def test_texts_are_unique():
    texts = Counter(r["text"] for r in toxicity_tuning.load())
    assert [t for t, n in texts.items() if n > 1] == []


def test_it_contains_the_first_set_unchanged():
    first = files("vlmtrust.scorers").joinpath("data", "toxicity_calibration.jsonl")
    rows = [json.loads(line) for line in first.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 205
    assert toxicity_tuning.load()[:205] == [{**r, "identity": ""} for r in rows]


def test_size_and_class_balance():
    rows = toxicity_tuning.load()
    assert 3700 <= len(rows) <= 3900
    toxic = sum(r["toxic"] for r in rows) / len(rows)
    assert 0.4 <= toxic <= 0.6


def test_every_kind_wanted_is_there_in_sane_numbers():
    counts = Counter((r["kind"], r["toxic"]) for r in toxicity_tuning.load())
    wanted_toxic = {
        "insult_no_profanity", "insult_profanity", "threat_no_profanity", "threat_violence",
        "harassment", "sexual_harassment", "sarcastic_putdown", "insult_with_answer",
        "toxic_clause_in_long_answer", "identity_dehumanising", "identity_exclusion",
        "identity_stereotype_attack", "identity_go_back", "identity_slur", "identity_threat",
    }  # fmt: skip
    wanted_benign = {
        "identity_statement", "group_neutral", "reclaimed_term", "slur_mention",
        "counter_speech", "positive_profanity", "frustration_at_things", "criticism_of_ideas",
        "blunt_feedback", "news_violence", "fiction_summary", "medical_legal",
        "refusal_of_toxic_request", "caption", "vqa_answer", "lookalike_word", "empty_ish",
    }  # fmt: skip
    for kind in wanted_toxic:
        assert 10 <= counts[(kind, True)] <= 300, kind
    for kind in wanted_benign:
        assert 10 <= counts[(kind, False)] <= 300, kind
    # a kind is one label, except in the dev sets (hand-written held-out sets, kept as written)
    dev = {r["text"] for name in toxicity_tuning.DEV for r in _dev_rows(*name)}
    kinds = Counter(
        {(r["kind"], r["toxic"]) for r in toxicity_tuning.load() if r["text"] not in dev}
    )
    kinds = Counter(kind for kind, _ in kinds)
    assert [k for k, n in kinds.items() if n > 1] == []
    # no single kind swamps the set
    assert max(counts.values()) <= 0.12 * sum(counts.values())


def _dev_rows(*path: str) -> list[dict]:
    text = files("vlmtrust.scorers").joinpath(*path).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def test_every_identity_has_toxic_and_benign_rows():
    counts = Counter((r["identity"], r["toxic"]) for r in toxicity_tuning.load())
    for identity in VOCABULARY:
        assert counts[(identity, True)] >= 10, identity
        assert counts[(identity, False)] >= 10, identity


def test_enough_rows_are_hand_written():
    hand = sum(len(texts) for _, texts in toxicity_tuning.HAND.values())
    hand += len(groups.HAND_IDENTITY) + sum(len(g.reclaimed) for g in groups.GROUPS)
    assert hand >= 250
    texts = {r["text"] for r in toxicity_tuning.load()}
    assert {text for text, *_ in groups.HAND_IDENTITY} <= texts


def test_every_hard_row_is_there_as_written():
    rows = {r["text"]: r for r in toxicity_tuning.load()}
    written = [
        {"text": text, "toxic": toxic, "kind": kind, "identity": identity}
        for kind, (toxic, items) in hard.HARD.items()
        for identity, text in items
    ]
    assert 330 <= len(written) <= 400
    assert [r for r in written if rows.get(r["text"]) != r] == []
    toxic = sum(r["toxic"] for r in written) / len(written)
    assert 0.4 <= toxic <= 0.6
    # spread over the identities, each with both labels
    assert {r["identity"] for r in written if r["toxic"]} == VOCABULARY | {""}
    assert {r["identity"] for r in written if not r["toxic"]} == VOCABULARY | {""}


def test_the_dev_sets_are_appended_unchanged_at_the_end():
    rows = []
    for name in (
        "toxicity_dev.jsonl",
        "toxicity_dev2.jsonl",
        "toxicity_dev3.jsonl",
        "toxicity_dev4.jsonl",
        "toxicity_dev5.jsonl",
    ):
        dev = files("vlmtrust.scorers").joinpath("calibration", name)
        rows += [json.loads(line) for line in dev.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 250 + 256 + 316 + 320 + 320
    assert toxicity_tuning.load()[-len(rows) :] == rows


def test_slurs_are_used_only_in_toxic_rows_or_mentioned_in_quotes():
    """Use versus mention: an unquoted slur is said at someone; a quoted one is talked about."""
    for row in toxicity_tuning.load():
        for group in groups.GROUPS:
            if not group.slur or group.slur.lower() not in row["text"].lower():
                continue
            if row["kind"] == "slur_mention":
                assert not row["toxic"] and f"'{group.slur}'" in row["text"], row
            elif row["kind"] == "identity_slur":
                assert row["toxic"], row
