"""hf: dual encoders as Tunable: roles declared before loading, the text targets and scale the
scan scores with, a delta of only the changed tensors, and a tuned copy that leaves the base
adapter's outputs as they were."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file
from tiny_encoders import HUB_BUILDERS
from tiny_models import build_tiny_siglip

from vlmtrust.core.capabilities import Tunable
from vlmtrust.core.errors import CapabilityError
from vlmtrust.models.base import resolve_model
from vlmtrust.models.hf_dual_tuning import DELTA_FILE, HFTunableEncoder

LABELS = ["a photo of a red circle.", "a photo of a blue square."]
IMAGES = [Image.new("RGB", (40, 40), (220, 30, 30)), Image.new("RGB", (36, 48), (0, 90, 200))]


@pytest.fixture(scope="module")
def siglip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_siglip(tmp_path_factory.mktemp("siglip") / "siglip")


def _load(path: Path) -> HFTunableEncoder:
    model = resolve_model(f"hf:{path}").load()
    assert isinstance(model, HFTunableEncoder)
    return model


def test_clip_and_siglip_declare_tunable_roles_before_loading(tiny_clip, siglip):
    for path in (tiny_clip, siglip):
        handle = resolve_model(f"hf:{path}")
        assert "Tunable" in handle.capabilities
        assert handle.tunable_roles == {"image_tower", "projection"}
        model = handle.load()
        assert isinstance(model, Tunable) and model.tunable_roles() == handle.tunable_roles


def test_naflex_is_not_tunable(tmp_path):
    handle = resolve_model(f"hf:{HUB_BUILDERS['siglip2-naflex'](tmp_path / 'naflex', 0)}")
    assert "Tunable" not in handle.capabilities and not handle.tunable_roles
    assert not isinstance(handle.load(), Tunable)


@pytest.mark.parametrize("family", ["clip", "siglip"])
def test_text_targets_and_scale_give_the_models_logits(family, tiny_clip, siglip):
    model = _load(tiny_clip if family == "clip" else siglip)
    calls = model.calls
    targets = model.text_targets(LABELS)
    assert model.calls == calls  # uncounted: a trainer's reads are not scan calls
    np.testing.assert_allclose(targets.numpy(), model.encode_text(LABELS), atol=1e-6)
    assert model.logit_scale() == pytest.approx(float(model._model.logit_scale.exp()))
    embedding = model.module("image_tower")(model.to_pixels(IMAGES))[0]
    logits = model.logit_scale() * embedding @ targets.T
    if family == "siglip":  # the learnt bias is a constant shift the trainers' softmax ignores
        logits = logits + float(model._model.logit_bias)
    np.testing.assert_allclose(logits.detach().numpy(), model.classify(IMAGES, LABELS), atol=1e-4)


def test_a_role_it_does_not_offer_and_answers_fail_in_one_line(tiny_clip):
    model = _load(tiny_clip)
    with pytest.raises(CapabilityError, match="offers no 'decoder' to tune"):
        model.module("decoder")
    with pytest.raises(CapabilityError, match="writes no answers"):
        model.answer_loss({}, [])


@pytest.mark.parametrize("family", ["clip", "siglip"])
def test_a_delta_holds_only_changed_tensors_and_loads_into_a_copy(
    family, tiny_clip, siglip, tmp_path
):
    model = _load(tiny_clip if family == "clip" else siglip)
    base_embeddings = model.encode_image(IMAGES)
    base_state = {k: v.clone() for k, v in model._model.state_dict().items()}
    tower = model.module("image_tower")
    tuned = __import__("copy").deepcopy(tower)
    with torch.no_grad():  # a random change (a constant one the layer norms would cancel)
        last = tuned.blocks[-1].layer.mlp.fc2
        last.weight.add_(torch.randn(last.weight.shape, generator=torch.Generator().manual_seed(0)))
    model.save_delta(tmp_path, {"image_tower": tuned})
    delta = load_file(str(tmp_path / DELTA_FILE))
    last_layer = len(tower.blocks) - 1
    assert list(delta) == [f"vision_model.encoder.layers.{last_layer}.mlp.fc2.weight"]

    copy = model.load_delta(tmp_path)
    assert copy is not model and copy._model is not model._model
    changed = copy.encode_image(IMAGES)
    assert not np.allclose(changed, base_embeddings, atol=1e-4)
    np.testing.assert_allclose(
        changed, tuned(model.to_pixels(IMAGES))[0].detach().numpy(), atol=1e-5
    )
    # the base adapter and its model are untouched
    np.testing.assert_array_equal(model.encode_image(IMAGES), base_embeddings)
    for key, value in model._model.state_dict().items():
        assert torch.equal(value, base_state[key]), key
    assert copy._text_cache is model._text_cache  # the frozen text side is shared
    assert copy.module("image_tower") is not model.module("image_tower")


def test_a_tuned_projection_alone_is_saved_under_the_checkpoints_names(tiny_clip, tmp_path):
    model = _load(tiny_clip)
    head = __import__("copy").deepcopy(model.module("projection"))
    with torch.no_grad():
        head[1].weight.mul_(2.0)
    model.save_delta(tmp_path, {"projection": head})
    assert list(load_file(str(tmp_path / DELTA_FILE))) == ["visual_projection.weight"]
    copy = model.load_delta(tmp_path)
    assert torch.equal(
        copy._model.visual_projection.weight, 2 * model._model.visual_projection.weight
    )
