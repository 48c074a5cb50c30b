"""The learned head: probabilities from the shipped weights, trained on the shipped set."""

import hashlib
import json
from importlib.resources import files

import numpy as np
import pytest

from vlmtrust.scorers import refusal_head, refusal_tuning


def _shipped() -> dict:
    path = files("vlmtrust.scorers").joinpath("calibration", refusal_head.WEIGHTS)
    return json.loads(path.read_text())


def test_shipped_weights_were_trained_on_the_shipped_tuning_set():
    digest = hashlib.sha256(refusal_tuning.dump().encode()).hexdigest()
    assert _shipped()["trained_on"] == f"{refusal_tuning.FILE} sha256:{digest}"
    assert _shipped()["classes"] == list(refusal_head.CLASSES)


def test_probabilities_are_distributions_and_deterministic():
    texts = ["I can't help with that.", "Sure. 1. [a] 2. [b]", "a blue square."]
    probs = refusal_head.probabilities(texts)
    assert probs.shape == (3, 3) and np.allclose(probs.sum(1), 1.0)
    assert [int(np.argmax(p)) for p in probs] == [0, 1, 2]
    assert np.array_equal(probs, refusal_head.probabilities(texts))
    assert refusal_head.probabilities([]).shape == (0, 3)


def test_features_are_three_views_and_the_structure_flags():
    x = refusal_head.features(["I can't help with that. Please call a helpline.", "ok"])
    assert x.shape == (2, 3 * 384 + 4)
    assert list(x[0, -4:]) == [1.0, 0.0, 0.0, 1.0]
    assert not x[1, 384 : 2 * 384].any()  # one sentence: nothing follows it


@pytest.mark.slow
def test_retraining_reproduces_the_shipped_weights():
    trained = refusal_head.train(refusal_tuning.build())
    assert np.allclose(trained["coef"], _shipped()["coef"], atol=1e-3)
    assert np.allclose(trained["intercept"], _shipped()["intercept"], atol=1e-3)
