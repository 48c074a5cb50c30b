"""Attention adjustment in the real MiniLM text tower: group tokens lose their attention (and
pooling) weight, so prompts differing only in a group word converge as the strength grows."""

import numpy as np
import pytest

from vlmtrust.core.errors import CapabilityError
from vlmtrust.core.spec import Spec
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.mitigations.wrappers.text_attention import WordList, adjusted_embeddings
from vlmtrust.models.text_encoder import shared

PAIR = ["a photo of a male doctor.", "a photo of a female doctor."]


def _cosine(pair: np.ndarray) -> float:
    return float(pair[0] @ pair[1])


def test_group_words_lose_their_weight():
    encoder = shared()
    words = WordList(["male", "female"])
    plain = encoder.encode(PAIR)
    assert adjusted_embeddings(encoder, PAIR, words, 0.0, True) == pytest.approx(plain, abs=1e-5)
    half = adjusted_embeddings(encoder, PAIR, words, 0.5, True)
    masked = adjusted_embeddings(encoder, PAIR, words, 1.0, True)
    assert _cosine(plain) < _cosine(half) < _cosine(masked)
    # masked out as keys and in the pooling: no other token can tell the pair apart
    assert _cosine(masked) == pytest.approx(1.0, abs=1e-5)
    # attention alone (no pooling change): closer, but each group token's own state remains
    attention_only = adjusted_embeddings(encoder, PAIR, words, 1.0, False)
    assert _cosine(plain) < _cosine(attention_only) < _cosine(masked)


class _Dual:
    """A dual encoder with the shared MiniLM as its text tower, as zoo:clip has."""

    calls = 0

    def __init__(self) -> None:
        self.text = shared()

    def encode_text(self, texts):
        return self.text.encode(texts)

    def encode_image(self, images):
        return np.ones((len(images), 384), dtype=np.float32) / np.sqrt(384)


def test_wrapper_adjusts_text_only_and_refuses_a_model_without_a_tower():
    spec = Spec(name="text_attention", params={"strength": 1.0, "words": ["male", "female"]})
    wrapped = build_mitigation(spec).wrap(_Dual())
    assert _cosine(wrapped.encode_text(PAIR)) == pytest.approx(1.0, abs=1e-5)
    neutral = ["a photo of a doctor."]
    assert wrapped.encode_text(neutral) == pytest.approx(shared().encode(neutral), abs=1e-5)
    assert wrapped.classify([None], PAIR).shape == (1, 2)
    with pytest.raises(CapabilityError, match="MiniLM"):
        build_mitigation(spec).wrap(object())


@pytest.mark.slow
def test_measured_on_zoo_clip_word_list_no_op_direction_lowers_flips():
    """The measured effect on fairness.counterfactual's pool: zoo:clip's neutral occupation
    texts hold no group word, so the word list changes nothing (a negative result); the
    direction's words (the leaning occupation word among them) lower the flips."""
    from vlmtrust_testing import run_task_directly

    from vlmtrust.models.base import resolve_model

    clip = resolve_model("zoo:clip").load()
    flips = {}
    for label, params in (("words", {}), ("direction", {"tokens": "direction"})):
        wrapped = build_mitigation(Spec(name="text_attention", params=params)).wrap(clip)
        found = run_task_directly("fairness.counterfactual", wrapped)
        flips[label] = next(r for r in found if r.metric == "flip_rate")
    found = run_task_directly("fairness.counterfactual", clip)
    baseline = next(r for r in found if r.metric == "flip_rate")
    assert flips["words"].value == baseline.value
    assert flips["direction"].ci_high < baseline.ci_low
