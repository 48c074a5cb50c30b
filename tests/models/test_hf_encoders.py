"""Dual-encoder families as their hub repositories lay them out (tests/support/tiny_encoders.py):
each loads with the tokenizer it names, matches its image processor's pixels and scans."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
import transformers
from cli_run import run_cli
from PIL import Image
from tiny_encoders import HUB_BUILDERS
from tiny_models import build_tiny_clip

from vlmtrust.core.errors import ModelLoadError
from vlmtrust.models.base import resolve_model
from vlmtrust.models.hf import HFDualEncoder
from vlmtrust.models.hf_naflex import HFNaflexEncoder, NaflexPreprocess

LABELS = ["a photo of a red circle", "a photo of a blue square", "a green star on grass"]
TOKENIZERS = {
    "siglip": "SiglipTokenizer",
    "siglip2": "GemmaTokenizer",
    # transformers swaps the hub's GemmaTokenizer for Siglip2Tokenizer (Gemma, lowercased)
    "siglip2-naflex": "Siglip2Tokenizer",
    "openclip": "CLIPTokenizer",
}


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("hub")
    return {name: build(root / name, 0) for name, build in HUB_BUILDERS.items()}


@pytest.fixture(scope="module")
def models(checkpoints: dict[str, Path]) -> dict[str, HFDualEncoder]:
    loaded = {name: resolve_model(f"hf:{path}").load() for name, path in checkpoints.items()}
    assert all(isinstance(model, HFDualEncoder) for model in loaded.values())
    return loaded  # type: ignore[return-value]


def _images() -> list[Image.Image]:
    """Shapes the NaFlex grid treats differently: square, wide, tall, tiny, grey."""
    rng = np.random.default_rng(0)
    noise = Image.fromarray(rng.integers(0, 256, (45, 70, 3), dtype=np.uint8))
    tall = Image.fromarray(rng.integers(0, 256, (90, 20, 3), dtype=np.uint8))
    return [Image.new("RGB", (40, 40), (220, 30, 30)), noise, tall, Image.new("L", (5, 9), 200)]


@pytest.mark.parametrize("family", ["clip", *sorted(HUB_BUILDERS)])
def test_family_scans_zero_shot_through_the_cli(
    family: str, checkpoints: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "run"
    path = build_tiny_clip(tmp_path / "clip") if family == "clip" else checkpoints[family]
    model = f"hf:{path}"
    result = run_cli(
        "scan", "--model", model, "--task", "robustness.zero_shot", "--limit", "4",
        "--out", str(out), "--quiet",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    report = run_cli("report", str(out), "--format", "json")
    rows = [r for r in json.loads(report.stdout)["rows"] if r["metric"] == "accuracy"]
    assert rows and all(r["n"] + r["details"].get("n_unscorable", 0) == 4 for r in rows)


@pytest.mark.parametrize("family", sorted(HUB_BUILDERS))
def test_family_uses_the_tokenizer_its_checkpoint_names(
    family: str, models: dict[str, HFDualEncoder]
) -> None:
    tokenizer = models[family]._tokenizer
    assert type(tokenizer).__name__ == TOKENIZERS[family]
    pieces = tokenizer.tokenize("a photo of a red circle")
    assert pieces and tokenizer.unk_token not in pieces  # the trained vocabulary, not an empty one
    vectors = models[family].encode_text(LABELS)
    assert vectors.shape == (3, models[family].embed_dim)
    assert not np.allclose(vectors[0], vectors[1])


@pytest.mark.parametrize("family", sorted(HUB_BUILDERS))
def test_pixel_logits_match_classify_and_carry_gradients(
    family: str, models: dict[str, HFDualEncoder]
) -> None:
    model = models[family]
    images = [Image.new("RGB", (40, 40), (220, 30, 30)), Image.new("RGB", (40, 40), (0, 90, 200))]
    pixels = model.to_pixels(images).requires_grad_(True)
    logits = model.pixel_logits(pixels, LABELS)
    np.testing.assert_allclose(logits.detach().numpy(), model.classify(images, LABELS), atol=1e-5)
    logits[:, 0].sum().backward()
    assert pixels.grad is not None and float(pixels.grad.abs().sum()) > 0


def _processor_config(path: Path) -> dict[str, object]:
    config: dict[str, object] = json.loads((path / "preprocessor_config.json").read_text())
    for key in ("image_processor_type", "processor_class", "feature_extractor_type"):
        config.pop(key, None)
    return config


@pytest.mark.parametrize(
    ("family", "processor"),
    [
        ("siglip", "SiglipImageProcessorPil"),
        ("siglip2", "SiglipImageProcessorPil"),
        ("openclip", "CLIPImageProcessorPil"),
    ],
)
def test_square_pixels_match_the_image_processor(
    family: str, processor: str, checkpoints: dict[str, Path], models: dict[str, HFDualEncoder]
) -> None:
    """transformers' PIL image processor (no torchvision) is the reference for our pixels."""
    reference = getattr(transformers, processor)(**_processor_config(checkpoints[family]))
    expected = reference(_images(), return_tensors="pt")["pixel_values"]
    model = models[family]
    ours = (model.to_pixels(_images()) - model._mean) / model._std
    torch.testing.assert_close(ours, expected, atol=1e-5, rtol=0)


def test_naflex_patches_match_siglip2_image_processor(
    checkpoints: dict[str, Path], models: dict[str, HFDualEncoder]
) -> None:
    config = _processor_config(checkpoints["siglip2-naflex"])
    # the processor takes grey images as one channel (the model wants three): give it RGB
    rgb = [image.convert("RGB") for image in _images()]
    reference = transformers.Siglip2ImageProcessorPil(**config)(rgb, return_tensors="pt")
    model = models["siglip2-naflex"]
    assert isinstance(model, HFNaflexEncoder)
    preprocess = model._preprocess
    assert isinstance(preprocess, NaflexPreprocess)
    mean, std = model._mean.view(3, 1, 1), model._std.view(3, 1, 1)
    fitted = [
        torch.from_numpy(np.asarray(preprocess.fit(image)).copy()).permute(2, 0, 1) / 255.0
        for image in _images()
    ]
    rows, mask, shapes = preprocess.patches([(image - mean) / std for image in fitted])
    torch.testing.assert_close(rows, reference["pixel_values"], atol=1e-5, rtol=0)
    assert torch.equal(mask, reference["pixel_attention_mask"].long())
    assert torch.equal(shapes, reference["spatial_shapes"].long())
    assert len({tuple(s) for s in shapes.tolist()}) > 1  # the images really had other grids


def test_naflex_classify_follows_each_image_and_mixed_pixels_share_a_square(
    models: dict[str, HFDualEncoder],
) -> None:
    model = models["siglip2-naflex"]
    images = _images()
    single = np.concatenate([model.classify([image], LABELS) for image in images])
    np.testing.assert_allclose(model.classify(images, LABELS), single, atol=1e-5)
    assert model.to_pixels(images).shape == (4, 3, 32, 32)  # 16 patches of 8: a 4x4 square
    with pytest.raises(ValueError, match="max_num_patches"):
        model.pixel_logits(torch.zeros(1, 3, 64, 64), LABELS)


def _renamed_tokenizer(source: Path, tmp_path: Path, tokenizer_class: str) -> Path:
    path = shutil.copytree(source, tmp_path / "renamed")
    config_path = path / "tokenizer_config.json"
    config = json.loads(config_path.read_text())
    config_path.write_text(json.dumps({**config, "tokenizer_class": tokenizer_class}))
    return path


def _one_line_error(result_code: int, stderr: str, *needles: str) -> None:
    assert result_code == 2, stderr
    assert stderr.count("\n") == 1 and stderr.startswith("error: "), repr(stderr)
    for needle in needles:
        assert needle in stderr, stderr


def test_unknown_tokenizer_class_is_one_line_at_resolve(
    checkpoints: dict[str, Path], tmp_path: Path
) -> None:
    path = _renamed_tokenizer(checkpoints["siglip"], tmp_path, "NoSuchTokenizer")
    with pytest.raises(ModelLoadError, match="NoSuchTokenizer"):
        resolve_model(f"hf:{path}")
    out = tmp_path / "run"
    result = run_cli(
        "scan", "--model", f"hf:{path}", "--task", "robustness.zero_shot", "--limit", "4",
        "--out", str(out), "--quiet",
    )  # fmt: skip
    _one_line_error(result.code, result.stderr, "NoSuchTokenizer", "does not have")
    assert not out.exists()


@pytest.mark.skipif(
    importlib.util.find_spec("rjieba") is not None, reason="needs rjieba to be absent"
)
def test_tokenizer_needing_a_missing_library_names_the_package(
    checkpoints: dict[str, Path], tmp_path: Path
) -> None:
    """CpmAntTokenizer, a real transformers class, needs rjieba (not a dependency of ours)."""
    path = _renamed_tokenizer(checkpoints["siglip"], tmp_path, "CpmAntTokenizer")
    out = tmp_path / "run"
    result = run_cli(
        "scan", "--model", f"hf:{path}", "--task", "robustness.zero_shot", "--limit", "4",
        "--out", str(out), "--quiet",
    )  # fmt: skip
    _one_line_error(result.code, result.stderr, "CpmAntTokenizer", "pip install rjieba")
    assert not out.exists()
