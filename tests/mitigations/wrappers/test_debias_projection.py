"""The calibrated projection by hand: it removes the spurious direction from text embeddings."""

import numpy as np
import pytest

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import Spec
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.mitigations.wrappers.debias_projection import calibrated_projection


def test_projection_by_hand():
    direction = np.array([[1.0, 0.0, 0.0]])
    plain = calibrated_projection(direction, np.zeros((1, 3)), lam=0.0)
    assert plain == pytest.approx(np.diag([0.0, 1.0, 1.0]))
    # calibration shrinks what differs between pairs: here along the second axis, by 1/(1+lam)
    pairs = np.array([[0.0, 1.0, 0.0]])
    calibrated = calibrated_projection(direction, pairs, lam=3.0)
    assert calibrated == pytest.approx(np.diag([0.0, 0.25, 1.0]))


VECTORS = {
    "a male doctor": np.array([0.6, 0.8, 0.0]),
    "a female doctor": np.array([-0.6, 0.8, 0.0]),
    "a doctor": np.array([0.3, 0.9, np.sqrt(1 - 0.9)]),
}


class _TextOnly:
    """A real, if tiny, Embedder over a fixed vocabulary of unit vectors."""

    def encode_text(self, texts):
        return np.array([VECTORS[t] for t in texts], dtype=np.float32)

    def encode_image(self, images):
        return np.zeros((len(images), 3), dtype=np.float32)


def test_prompt_directions_remove_the_lean():
    spec = Spec(
        name="debias_projection",
        params={"directions": "prompts", "prompt_pairs": [["a male doctor", "a female doctor"]]},
    )
    model = build_mitigation(spec).wrap(_TextOnly())
    male, female, neutral = model.encode_text(["a male doctor", "a female doctor", "a doctor"])
    assert male == pytest.approx(female, abs=1e-6)  # the pair now coincides
    assert neutral[0] == pytest.approx(0.0, abs=1e-6)  # no lean left on the gender axis
    assert np.linalg.norm(neutral) == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ConfigError, match="prompt_pairs"):
        build_mitigation(Spec(name="debias_projection", params={"directions": "prompts"})).wrap(
            _TextOnly()
        )
