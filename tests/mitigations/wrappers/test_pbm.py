"""pbm's re-ranking on lists worked out by hand, and its probe on zoo:clip."""

import pytest

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import Spec
from vlmtrust.data.world.twins import twin_samples
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.mitigations.wrappers.pbm import balanced_rerank


def test_balanced_rerank_by_hand():
    predicted = ["A", "A", "A", "B", "B", "A"]
    # best-first order 0..5: places go A, B, then whichever group is behind
    assert balanced_rerank([0, 1, 2, 3, 4, 5], predicted, k=4) == [0, 3, 1, 4, 2, 5]
    # only k places are re-ranked; the tail keeps its order
    assert balanced_rerank([0, 1, 2, 3, 4, 5], predicted, k=2) == [0, 3, 1, 2, 4, 5]
    # a group with nobody left: the best remaining candidate takes the place
    assert balanced_rerank([0, 1, 2], ["A", "A", "A"], k=3) == [0, 1, 2]


def test_probe_predicts_zoo_clip_groups_on_unseen_twins():
    from vlmtrust.models.base import resolve_model

    model = build_mitigation(Spec(name="pbm", params={"pairs": 200})).wrap(
        resolve_model("zoo:clip").load()
    )
    test = twin_samples(11, 100)
    predicted = model.predict_groups([s.load_image() for s in test])
    accuracy = sum(p == s.groups["group"] for p, s in zip(predicted, test, strict=True)) / 200
    assert accuracy > 0.8  # a group probe, not a coin


def test_prompt_predictor_needs_prompts():
    with pytest.raises(ConfigError, match="two group prompts"):
        build_mitigation(Spec(name="pbm", params={"predictor": "prompts"})).wrap(object())
