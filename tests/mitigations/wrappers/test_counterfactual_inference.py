"""Counterfactual inference on zoo:clip: the group's direct effect, estimated on held-out twins,
is taken out of image embeddings, so group-swapped twins of unseen scenes sit closer together in
what they say about the occupations."""

import numpy as np
import pytest

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import Spec
from vlmtrust.data.world.twins import twin_samples
from vlmtrust.data.world.vocabulary import OCCUPATIONS
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.models.base import resolve_model


@pytest.fixture(scope="module")
def zoo_clip():
    return resolve_model("zoo:clip").load()


def _twin_gap(model, twins, texts) -> float:
    """Mean over pairs and occupation texts of |sim(A twin) - sim(B twin)|."""
    sims = np.asarray(model.encode_image([s.load_image() for s in twins])) @ texts.T
    return float(np.abs(sims[0::2] - sims[1::2]).mean())


def test_direct_effect_removed_shrinks_the_twin_gap(zoo_clip):
    spec = Spec(name="counterfactual_inference", params={"pairs": 60})
    wrapped = build_mitigation(spec).wrap(zoo_clip)
    # unseen scenes (another seed than the fit's), the occupation's prop out of frame
    twins = twin_samples(11, 40, prop_visible=False)
    texts = np.asarray(zoo_clip.encode_text([f"a photo of a {o}." for o in OCCUPATIONS]))
    before, after = _twin_gap(zoo_clip, twins, texts), _twin_gap(wrapped, twins, texts)
    assert after < 0.6 * before
    embeddings = wrapped.encode_image([twins[0].load_image()])
    assert np.linalg.norm(embeddings, axis=1) == pytest.approx(1.0, abs=1e-5)
    # nothing subtracted at strength 0: the model's own (unit) embeddings
    plain = build_mitigation(
        Spec(name="counterfactual_inference", params={"pairs": 10, "strength": 0.0})
    ).wrap(zoo_clip)
    images = [s.load_image() for s in twins[:4]]
    assert plain.encode_image(images) == pytest.approx(zoo_clip.encode_image(images), abs=1e-5)


class _GroupTexts:
    """A tiny Embedder whose texts and images live on two axes: group and content."""

    def encode_text(self, texts):
        table = {"g1": [1.0, 0.0], "g2": [-1.0, 0.0]}
        return np.array([table[t] for t in texts], dtype=np.float32)

    def encode_image(self, images):
        return np.array([[0.8, 0.6]] * len(images), dtype=np.float32)


def test_group_prompt_branch_subtracts_the_predicted_group():
    spec = Spec(
        name="counterfactual_inference",
        params={"branch": "prompts", "group_prompts": {"one": "g1", "two": "g2"}},
    )
    (embedding,) = build_mitigation(spec).wrap(_GroupTexts()).encode_image([None])
    # the image reads as group one (softmax of 100 x 0.8 vs -0.8): its group effect (1, 0) is
    # subtracted, leaving (-0.2, 0.6) normalised
    assert embedding == pytest.approx(np.array([-0.2, 0.6]) / np.hypot(0.2, 0.6), abs=1e-5)
    with pytest.raises(ConfigError, match="group_prompts"):
        build_mitigation(Spec(name="counterfactual_inference", params={"branch": "prompts"})).wrap(
            _GroupTexts()
        )


@pytest.mark.slow
def test_counterfactual_flips_fall_on_the_scan_pool(zoo_clip):
    """The measured effect: fairness.counterfactual's own pool (200 prop-less twin pairs), the
    occupation flip rate of the wrapped model below the baseline's, intervals apart."""
    from vlmtrust_testing import run_task_directly

    wrapped = build_mitigation(Spec(name="counterfactual_inference")).wrap(zoo_clip)
    rows = {}
    for label, model in (("none", zoo_clip), ("cfi", wrapped)):
        found = run_task_directly("fairness.counterfactual", model)
        rows[label] = next(r for r in found if r.metric == "flip_rate")
    assert rows["cfi"].ci_high < rows["none"].ci_low
