"""zoo:assistant's corpus through the sanitize steps: the 60 repeats of each canary collapse to
its distinct (prompt, answer) pairs, and no canary's name, phone or e-mail survives."""

from vlmtrust.data.world import canaries
from vlmtrust.data.world.corpus import build_examples, canary_examples
from vlmtrust.zoo.sanitized_corpus import sanitize_examples
from vlmtrust.zoo.train_assistant import AssistantRecipe


def test_repeated_canaries_are_deduplicated_and_pseudonymised():
    scenes = build_examples(AssistantRecipe(examples=40, plant_canaries=False))
    planted = canary_examples()
    kept, counts = sanitize_examples([*scenes, *planted])
    members = [c for c in canaries.canaries() if c.member]
    kept_canaries = [e for e in kept if e.kind == "canary"]
    # each member is asked two ways; near-duplicate removal keeps at most those two
    assert len(members) <= len(kept_canaries) <= 2 * len(members)
    assert counts.duplicates_by_kind["canary"] == len(planted) - len(kept_canaries)
    assert counts.examples_in == len(scenes) + len(planted)
    assert counts.examples_out == len(kept)
    for example in kept:
        text = f"{example.prompt} {example.answer}".lower()
        for c in members:
            assert c.name not in text and c.phone not in text and c.email not in text, text
    for example in kept_canaries:
        # the same person gets the same surrogate in the question and in the answer
        surrogate = example.prompt.removeprefix("who is ").removeprefix("tell me about ")
        assert surrogate.rstrip("?.") in example.answer
        assert "555-" in example.answer and "@example.invalid" in example.answer
    assert counts.replacements_by_entity["PHONE_NUMBER"] == len(kept_canaries)
    assert counts.replacements_by_entity["EMAIL_ADDRESS"] == len(kept_canaries)
    assert counts.examples_pseudonymized_by_kind["canary"] == len(kept_canaries)
    stats = counts.as_stats()
    assert stats["sanitize_examples_in"] == len(scenes) + len(planted)
