"""The hf: adapter on tiny random CLIP and SigLIP checkpoints built offline into tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from tiny_models import build_tiny_clip, build_tiny_siglip
from transformers import BertConfig, BertModel

from vlmtrust.core.capabilities import capabilities_of
from vlmtrust.core.errors import ModelLoadError
from vlmtrust.models.base import resolve_model
from vlmtrust.models.hf import HFDualEncoder

LABELS = ["a photo of a red circle", "a photo of a blue square", "a green star on grass"]
BUILDERS = {"clip": build_tiny_clip, "siglip": build_tiny_siglip}


@pytest.fixture(scope="module", params=sorted(BUILDERS))
def checkpoint(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return BUILDERS[request.param](tmp_path_factory.mktemp(request.param))


@pytest.fixture(scope="module")
def model(checkpoint: Path) -> HFDualEncoder:
    loaded = resolve_model(f"hf:{checkpoint}").load()
    assert isinstance(loaded, HFDualEncoder)
    return loaded


@pytest.fixture
def images() -> list[Image.Image]:
    rng = np.random.default_rng(0)
    noise = Image.fromarray(rng.integers(0, 256, (45, 70, 3), dtype=np.uint8))
    return [Image.new("RGB", (40, 40), (220, 30, 30)), noise, Image.new("L", (64, 32), 200)]


def test_embeddings_are_unit_rows_of_one_dimension(
    model: HFDualEncoder, images: list[Image.Image]
) -> None:
    image_vectors = model.encode_image(images)
    text_vectors = model.encode_text(LABELS)
    assert image_vectors.shape == (3, model.embed_dim)
    assert text_vectors.shape == (3, model.embed_dim)
    for vectors in (image_vectors, text_vectors):
        assert vectors.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_classify_ranks_labels_like_embedding_similarity(
    model: HFDualEncoder, images: list[Image.Image]
) -> None:
    logits = model.classify(images, LABELS)
    similarity = model.encode_image(images) @ model.encode_text(LABELS).T
    assert logits.shape == (3, 3)
    np.testing.assert_array_equal(logits.argmax(axis=1), similarity.argmax(axis=1))
    assert np.ptp(logits, axis=1).min() > 0


def test_pixel_logits_match_classify_and_carry_gradients(
    model: HFDualEncoder, images: list[Image.Image]
) -> None:
    pixels = model.to_pixels(images)
    assert pixels.shape == (3, 3, 32, 32)
    assert float(pixels.min()) >= 0.0 and float(pixels.max()) <= 1.0
    pixels.requires_grad_(True)
    logits = model.pixel_logits(pixels, LABELS)
    np.testing.assert_allclose(logits.detach().numpy(), model.classify(images, LABELS), atol=1e-5)
    logits[:, 0].sum().backward()
    assert pixels.grad is not None and float(pixels.grad.abs().sum()) > 0
    assert all(p.grad is None for p in model._model.parameters())


def test_declared_capabilities_are_implemented(checkpoint: Path, model: HFDualEncoder) -> None:
    declared = resolve_model(f"hf:{checkpoint}").capabilities
    assert declared == {"Embedder", "Classifier", "Differentiable"}
    assert declared <= capabilities_of(model)


def test_every_public_call_counts_once(model: HFDualEncoder, images: list[Image.Image]) -> None:
    before = model.calls
    model.encode_text(LABELS)
    model.encode_text(LABELS)
    model.encode_image(images)
    model.classify(images, LABELS)
    model.pixel_logits(model.to_pixels(images), LABELS)
    assert model.calls == before + 6


def test_text_cache_returns_the_same_vectors(model: HFDualEncoder) -> None:
    first = model.encode_text(LABELS)
    mixed = model.encode_text([LABELS[2], "a new caption", LABELS[0]])
    np.testing.assert_array_equal(mixed[0], first[2])
    np.testing.assert_array_equal(mixed[2], first[0])
    assert model.encode_text([]).shape == (0, model.embed_dim)


def test_fingerprint_is_stable_and_tracks_weights(tmp_path: Path) -> None:
    path = build_tiny_clip(tmp_path / "clip", seed=0)
    first = resolve_model(f"hf:{path}")
    assert resolve_model(f"hf:{path}").fingerprint == first.fingerprint
    assert first.name == "hf:clip" and first.kind == "hf"
    build_tiny_clip(path, seed=1)
    assert resolve_model(f"hf:{path}").fingerprint != first.fingerprint


def test_tiny_builder_is_deterministic(tmp_path: Path) -> None:
    a = resolve_model(f"hf:{build_tiny_siglip(tmp_path / 'a', seed=3)}")
    b = resolve_model(f"hf:{build_tiny_siglip(tmp_path / 'b', seed=3)}")
    assert a.fingerprint == b.fingerprint


def test_missing_directory_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(ModelLoadError, match="does not exist") as err:
        resolve_model(f"hf:{missing}")
    assert str(missing) in str(err.value)


def test_directory_without_config_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match=r"config\.json"):
        resolve_model(f"hf:{tmp_path}")


@pytest.mark.parametrize(
    ("removed", "problem"),
    [("model.safetensors", "no weight files"), ("tokenizer.json", "no tokenizer")],
)
def test_incomplete_checkpoint_fails_at_resolve(tmp_path: Path, removed: str, problem: str) -> None:
    path = build_tiny_clip(tmp_path / "clip")
    (path / removed).unlink()
    with pytest.raises(ModelLoadError, match=problem):
        resolve_model(f"hf:{path}")


def test_broken_weights_fail_at_load_with_a_model_error(tmp_path: Path) -> None:
    path = build_tiny_clip(tmp_path / "clip")
    (path / "model.safetensors").write_bytes(b"not safetensors")
    handle = resolve_model(f"hf:{path}")
    with pytest.raises(ModelLoadError, match="cannot load"):
        handle.load()


def test_unsupported_architecture_names_its_type(tmp_path: Path) -> None:
    config = BertConfig(
        vocab_size=50,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
    )
    BertModel(config).save_pretrained(tmp_path / "bert")
    with pytest.raises(ModelLoadError, match="'bert'") as err:
        resolve_model(f"hf:{tmp_path / 'bert'}")
    assert "clip" in str(err.value) and "siglip" in str(err.value)


def test_preprocessor_config_drives_normalisation(tmp_path: Path) -> None:
    path = build_tiny_clip(tmp_path / "clip")
    (path / "preprocessor_config.json").unlink()
    defaults = resolve_model(f"hf:{path}").load()
    config = {"image_mean": [0.0, 0.0, 0.0], "image_std": [1.0, 1.0, 1.0]}
    (path / "preprocessor_config.json").write_text(json.dumps(config))
    custom = resolve_model(f"hf:{path}").load()
    image = [Image.new("RGB", (32, 32), (10, 200, 90))]
    assert not np.allclose(defaults.encode_image(image), custom.encode_image(image))
    torch.testing.assert_close(defaults.to_pixels(image), custom.to_pixels(image))
