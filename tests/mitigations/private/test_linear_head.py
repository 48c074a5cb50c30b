"""The zero-shot head read off a model: exact for a dual encoder, refused for anything else."""

import numpy as np
import pytest

from vlmtrust.core.errors import CapabilityError
from vlmtrust.data import world
from vlmtrust.mitigations.private.linear_head import fit_probe, prompt_classes, zero_shot_head
from vlmtrust.models.base import resolve_model


def test_zoo_clip_head_reproduces_its_logits():
    clip = resolve_model("zoo:clip").load()
    images = [s.load_image() for s in world.generate(2, 4)]
    prompts = [f"a photo of a {s}." for s in world.SHAPES]
    head, embeddings, plain = zero_shot_head(clip, images, prompts)
    assert np.allclose(head.logits(embeddings), plain, atol=1e-4)
    assert np.isclose(head.weight[0] @ head.weight[0], clip.logit_scale() ** 2, rtol=1e-3)


class Squashed:
    """Logits that are not linear in the embeddings (a softmax over them)."""

    def encode_image(self, images):
        return np.random.default_rng(0).normal(size=(len(images), 6))

    def encode_text(self, texts):
        return np.random.default_rng(1).normal(size=(len(texts), 6))

    def classify(self, images, texts):
        raw = self.encode_image(images) @ self.encode_text(texts).T
        return np.exp(raw) / np.exp(raw).sum(1, keepdims=True)


def test_a_nonlinear_head_is_refused():
    with pytest.raises(CapabilityError, match="not scale"):
        zero_shot_head(Squashed(), [None] * 5, ["a", "b", "c"])


def test_probe_rows_follow_the_class_order_asked():
    rng = np.random.default_rng(4)
    centres = {"circle": np.eye(6)[0] * 3, "square": np.eye(6)[1] * 3, "star": np.eye(6)[2] * 3}
    truth = [c for c in centres for _ in range(20)]
    embeddings = np.stack([centres[c] + rng.normal(scale=0.3, size=6) for c in truth])
    head = fit_probe(embeddings, truth, ["star", "circle", "square"])
    predicted = head.logits(embeddings).argmax(1)
    assert [["star", "circle", "square"][i] for i in predicted] == truth


def test_prompts_map_to_the_class_they_name():
    classes = ["star", "circle", "square"]
    assert prompt_classes(["a photo of a square.", "a star"], classes) == [2, 0]
    with pytest.raises(CapabilityError, match="names none"):
        prompt_classes(["a photo of a dog."], classes)
    with pytest.raises(CapabilityError, match="no example"):
        fit_probe(np.zeros((2, 3)), ["star", "star"], classes)
