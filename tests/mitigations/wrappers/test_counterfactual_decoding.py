"""Counterfactual decoding: the question-only branch's log-probabilities subtracted step by step
(by hand on a tiny vocabulary), and on zoo:assistant."""

import pytest
import torch

from vlmtrust.core.errors import CapabilityError
from vlmtrust.core.spec import Spec
from vlmtrust.data.world.twins import twin_samples
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.models.base import resolve_model
from vlmtrust.models.zoo.assistant import Contrast


def test_contrast_by_hand():
    full = torch.tensor([[2.0, 1.9, 0.01]]).log()  # unnormalised probabilities
    prior = torch.tensor([[0.9, 0.1, 0.0]]).clamp(min=1e-9).log()
    contrast = Contrast(torch.zeros(1), strength=1.0, plausibility=0.1)
    scores = contrast.scores(full, prior)
    # the word the prompt alone predicts loses; the image-driven one wins
    assert int(scores.argmax()) == 1
    # the implausible third word (below 0.1 x the best) is never promoted, however low its prior
    assert scores[0, 2] == float("-inf")
    assert int(Contrast(torch.zeros(1), 0.0, 0.1).scores(full, prior).argmax()) == 0


@pytest.fixture(scope="module")
def assistant():
    return resolve_model("zoo:assistant").load()


def test_on_the_assistant(assistant):
    twins = twin_samples(13, 2, prop_visible=False)
    images = [s.load_image() for s in twins]
    prompts = ["describe the image."] * len(images)
    plain = assistant.generate(images, prompts)
    unchanged = build_mitigation(
        Spec(name="counterfactual_decoding", params={"strength": 0.0})
    ).wrap(assistant)
    assert unchanged.generate(images, prompts) == plain  # strength 0: the model's own greedy
    for branch in ("question", "blank"):
        wrapped = build_mitigation(
            Spec(name="counterfactual_decoding", params={"strength": 2.0, "branch": branch})
        ).wrap(assistant)
        answers = wrapped.generate(images, prompts)
        assert len(answers) == len(images) and all(answers)
        assert answers != plain  # the branch re-ranks words: some caption changes
    with pytest.raises(CapabilityError, match="generate_contrasted"):
        build_mitigation(Spec(name="counterfactual_decoding")).wrap(object())
