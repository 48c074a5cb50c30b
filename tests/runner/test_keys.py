"""Result keys: computed per condition with each sample hashed once, and equal to the keys
earlier versions stored (a changed key would silently re-run every stored result)."""

from __future__ import annotations

from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Spec
from vlmtrust.runner.keys import result_key, result_keys, sample_digest

TASK = Spec(name="robustness.zero_shot", params={"label": "shape"})
ATTACK = Spec(name="corruption.jpeg", params={"severity": 3})
MITIGATIONS = (Spec(name="guard"),)
SAMPLE = Sample(id="a", prompt="p", image=b"\x89PNG-bytes", labels={"shape": "circle"})
#: the key result_key gave before keys were computed per condition (vlmtrust at 7d1bb7b)
STORED_KEY = "a2b770046041b7dcd112df22b40063ee1335f548ad31039180ff200d33a4d735"


def test_result_key_is_the_key_stores_already_hold() -> None:
    assert result_key(TASK, ATTACK, MITIGATIONS, SAMPLE, "fp") == STORED_KEY


def test_result_keys_equal_result_key_per_sample() -> None:
    other = SAMPLE.model_copy(update={"id": "b", "image": b"other"})
    keys = result_keys(
        TASK, ATTACK, MITIGATIONS, [sample_digest(SAMPLE), sample_digest(other)], "fp"
    )
    assert keys == (STORED_KEY, result_key(TASK, ATTACK, MITIGATIONS, other, "fp"))
    assert keys[0] != keys[1]


def test_every_input_changes_the_key() -> None:
    digest = [sample_digest(SAMPLE)]
    changed = [
        result_keys(Spec(name="robustness.zero_shot"), ATTACK, MITIGATIONS, digest, "fp"),
        result_keys(TASK, Spec(name="corruption.jpeg"), MITIGATIONS, digest, "fp"),
        result_keys(TASK, ATTACK, (), digest, "fp"),
        result_keys(TASK, ATTACK, MITIGATIONS, [("a", "another hash")], "fp"),
        result_keys(TASK, ATTACK, MITIGATIONS, digest, "another model"),
    ]
    assert len({STORED_KEY, *(keys[0] for keys in changed)}) == 1 + len(changed)


def test_no_samples_no_keys() -> None:
    assert result_keys(TASK, ATTACK, MITIGATIONS, [], "fp") == ()
