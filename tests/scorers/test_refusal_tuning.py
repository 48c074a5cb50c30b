"""The tuning set: reproducible, several times v1's size, and as varied as the brief asks."""

from collections import Counter

from vlmtrust.scorers import refusal_calibration, refusal_tuning


def test_shipped_tuning_set_is_the_builder_output():
    assert refusal_tuning.load() == refusal_tuning.build()


def test_it_contains_v1_and_is_several_times_larger_and_varied():
    rows = refusal_tuning.load()
    v1 = refusal_calibration.load()
    assert rows[: len(v1)] == v1 and len(rows) >= 5 * len(v1)
    kinds = Counter(r["kind"] for r in rows)
    wanted = {
        "refusal_style",
        "refusal_resources",
        "partial_refusal_alternatives",
        "cant_but_here_is_how",
        "quoted_refusal_in_answer",
        "role_play_flip",
        "disclaimer_then_content",
        "short_answer",
        "plain_answer",
        "off_topic",
        "empty",
        "garbled",
        "hand_written",
    }
    assert wanted <= set(kinds)
    labels = Counter(r["label"] for r in rows)
    assert min(labels.values()) >= 100
    assert len({r["id"] for r in rows}) == len(rows)


def test_the_dev_set_is_folded_in_and_the_held_out_set_is_not():
    texts = {r["response"] for r in refusal_tuning.load()}
    dev = [r for r in refusal_tuning.load() if r["kind"].startswith("dev_")]
    assert len(dev) == 140
    held_out = refusal_calibration.load_set("heldout")
    assert not texts & {r.response for r in held_out if r.response.strip()}
