"""The hf: adapter on tiny random CLIP and SigLIP checkpoints built offline into tmp_path."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from cli_run import run_cli
from PIL import Image
from tiny_models import build_tiny_clip, build_tiny_siglip
from transformers import BertConfig, BertModel, WavLMConfig, WavLMModel

from vlmtrust.core.capabilities import capabilities_of
from vlmtrust.core.config import RunConfig
from vlmtrust.core.errors import ConfigError, ModelLoadError
from vlmtrust.core.spec import Spec
from vlmtrust.models.base import ModelHandle, resolve_model
from vlmtrust.models.hf import HFDualEncoder, HFModelKind, from_pretrained
from vlmtrust.models.placement import Placement
from vlmtrust.runner import run

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
    assert declared == {"Embedder", "Classifier", "Differentiable", "Tunable"}
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


# --- device, precision and batch size (hf:DIR?device=&dtype=&batch_size=) ---


@pytest.mark.parametrize(("dtype", "tolerance"), [("bfloat16", 2e-2), ("float16", 5e-3)])
def test_half_precision_on_cpu_stays_within_tolerance_of_float32(
    checkpoint: Path, model: HFDualEncoder, images: list[Image.Image], dtype: str, tolerance: float
) -> None:
    half = resolve_model(f"hf:{checkpoint}?dtype={dtype}").load()
    assert isinstance(half, HFDualEncoder)
    assert next(half._model.parameters()).dtype == getattr(torch, dtype)
    scale = float(model._model.logit_scale.exp())
    for ours, reference, atol in [
        (half.encode_image(images), model.encode_image(images), tolerance),
        (half.encode_text(LABELS), model.encode_text(LABELS), tolerance),
        (half.classify(images, LABELS), model.classify(images, LABELS), tolerance * scale),
    ]:
        assert ours.dtype == np.float32  # metrics never see half precision
        np.testing.assert_allclose(ours, reference, atol=atol)
        assert not np.array_equal(ours, reference)  # it really ran in the other precision


def test_bfloat16_pixel_gradients_come_back_to_the_callers_float32_pixels(
    checkpoint: Path, images: list[Image.Image]
) -> None:
    half = resolve_model(f"hf:{checkpoint}?dtype=bfloat16").load()
    pixels = half.to_pixels(images)
    assert pixels.dtype == torch.float32 and pixels.device.type == "cpu"
    pixels.requires_grad_(True)
    logits = half.pixel_logits(pixels, LABELS)
    assert logits.dtype == torch.float32 and logits.requires_grad
    logits[:, 0].sum().backward()
    assert pixels.grad is not None and pixels.grad.dtype == torch.float32
    assert float(pixels.grad.abs().sum()) > 0


def test_dtype_joins_the_fingerprint_but_device_and_batch_size_do_not(tiny_clip: Path) -> None:
    default = resolve_model(f"hf:{tiny_clip}")
    same = ["device=cpu", "dtype=float32", "device=auto&dtype=auto", "batch_size=4"]
    for options in same:
        assert resolve_model(f"hf:{tiny_clip}?{options}").fingerprint == default.fingerprint
    bf16 = resolve_model(f"hf:{tiny_clip}?dtype=bfloat16")
    fp16 = resolve_model(f"hf:{tiny_clip}?dtype=float16")
    assert len({default.fingerprint, bf16.fingerprint, fp16.fingerprint}) == 3
    assert bf16.options["placement"]["dtype"] == "bfloat16"


def test_placement_options_are_validated_at_planning(tiny_clip: Path) -> None:
    with pytest.raises(ConfigError, match=r"dtype='float8'.*float32, bfloat16, float16"):
        resolve_model(f"hf:{tiny_clip}?dtype=float8")
    with pytest.raises(ConfigError, match=r"max_new_tokens to a dual encoder.*device, dtype"):
        resolve_model(f"hf:{tiny_clip}?dtype=bfloat16&max_new_tokens=6")


def test_models_load_with_sdpa_attention(model: HFDualEncoder) -> None:
    assert model._model.config._attn_implementation == "sdpa"


def test_an_architecture_without_sdpa_falls_back_to_eager(tmp_path: Path) -> None:
    """WavLM is a real transformers model without SDPA: asked for it, transformers raises."""
    config = WavLMConfig(
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        conv_dim=(8, 8),
        conv_stride=(5, 2),
        conv_kernel=(10, 3),
        num_conv_pos_embeddings=4,
        num_conv_pos_embedding_groups=2,
    )
    WavLMModel(config).save_pretrained(tmp_path / "wavlm")
    with pytest.raises(ValueError, match="scaled_dot_product_attention"):
        WavLMModel.from_pretrained(tmp_path / "wavlm", attn_implementation="sdpa")
    loaded = from_pretrained(WavLMModel.from_pretrained, tmp_path / "wavlm", Placement())
    assert loaded.config._attn_implementation == "eager"
    assert not loaded.training and not any(p.requires_grad for p in loaded.parameters())


def fail_above(adapter: HFDualEncoder, limit: int) -> tuple[list[int], Any]:
    """A fault-injecting double of the vision tower's forward only: a batch of more than
    ``limit`` images raises as CUDA's allocator does. Returns the sizes that raised (filled as
    it happens) and the hook's handle (``.remove()`` ends it)."""
    raised: list[int] = []

    def check(_module: Any, _args: Any, kwargs: dict[str, Any]) -> None:
        size = int(kwargs["pixel_values"].shape[0])
        if size > limit:
            raised.append(size)
            raise torch.OutOfMemoryError(f"CUDA out of memory (injected at {size} images)")

    return raised, adapter._model.vision_model.register_forward_pre_hook(check, with_kwargs=True)


@contextmanager
def out_of_memory_above(adapter: HFDualEncoder, limit: int) -> Iterator[list[int]]:
    raised, hook = fail_above(adapter, limit)
    try:
        yield raised
    finally:
        hook.remove()


def test_out_of_memory_in_the_image_forward_halves_the_batch(
    checkpoint: Path, model: HFDualEncoder, images: list[Image.Image]
) -> None:
    fresh = resolve_model(f"hf:{checkpoint}").load()
    assert isinstance(fresh, HFDualEncoder)
    many = images * 3
    with out_of_memory_above(fresh, 2) as raised:
        logits = fresh.classify(many, LABELS)
        embeddings = fresh.encode_image(many)
    assert raised == [9, 4]  # 9 -> 4 -> 2, then 2 is kept for the rest of the run
    np.testing.assert_allclose(logits, model.classify(many, LABELS), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(embeddings, model.encode_image(many), rtol=1e-5, atol=1e-5)
    assert fresh.calls == 2  # one call each, however many passes it took


def test_a_fixed_batch_size_that_runs_out_of_memory_is_one_line(checkpoint: Path) -> None:
    fixed = resolve_model(f"hf:{checkpoint}?batch_size=4").load()
    assert isinstance(fixed, HFDualEncoder)
    with out_of_memory_above(fixed, 2), pytest.raises(ModelLoadError, match="batch size 4"):
        fixed.encode_image([Image.new("RGB", (32, 32))] * 6)


def test_a_scan_that_runs_out_of_memory_on_its_first_batch_gives_the_same_rows(
    tiny_clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = Spec(name="robustness.zero_shot", params={"n": 10, "corruptions": ["jpeg"]})

    def scan(out: Path) -> Any:
        config = RunConfig(
            model=f"hf:{tiny_clip}", tasks=(task,), out=out, batch_size=5, show_progress=False
        )
        return run(config)

    normal = scan(tmp_path / "normal")
    raised: list[list[int]] = []
    load = HFModelKind.load

    def load_failing_above_two(handle: ModelHandle) -> Any:
        adapter = load(handle)
        raised.append(fail_above(adapter, 2)[0])  # for the life of this scan's adapter
        return adapter

    monkeypatch.setattr(HFModelKind, "load", load_failing_above_two)
    halved = scan(tmp_path / "halved")
    # the scan's load: its first batch (the runner's 5) failed, then 2 fit; a second load, if
    # any, is the gallery's saliency maps' own copy (one image at a time: nothing fails)
    assert raised[0] == [5] and all(r == [] for r in raised[1:]), raised
    assert halved.metrics == normal.metrics
    assert (halved.executed, halved.planned) == (normal.executed, normal.planned) == (20, 20)
    assert _predictions(tmp_path / "halved") == _predictions(tmp_path / "normal")


def _predictions(out: Path) -> list[tuple[str, str, float]]:
    db = sqlite3.connect(out / "results.sqlite")
    try:
        rows = db.execute("SELECT key, scores FROM results ORDER BY key").fetchall()
    finally:
        db.close()
    found = []
    for key, scores in rows:
        for score in json.loads(scores):
            found.append((key, score["label"], score["value"]))
    return found


def test_cli_scans_in_bfloat16_and_rejects_bad_placements_in_one_line(
    tiny_clip: Path, tmp_path: Path
) -> None:
    task = "robustness.zero_shot:n=4"
    ok = run_cli(
        "scan",
        "--model",
        f"hf:{tiny_clip}?dtype=bfloat16",
        "--task",
        task,
        "--out",
        str(tmp_path / "bf16"),
        "--quiet",
    )
    assert ok.code == 0, ok.stderr
    bad = {"dtype=float8": "dtype='float8'"}
    if not torch.cuda.is_available():
        bad["device=cuda"] = "no CUDA GPU"
    for option, needle in bad.items():
        out = tmp_path / option
        result = run_cli(
            "scan", "--model", f"hf:{tiny_clip}?{option}", "--task", task, "--out", str(out)
        )
        message = result.stderr.strip()
        assert result.code == 2 and message.startswith("error: ") and "\n" not in message
        assert needle in message
        assert not out.exists()


def test_device_map_auto_loads_through_accelerate_and_scores_the_same(
    tiny_clip: Path, images: list[Image.Image]
) -> None:
    """Without a GPU accelerate keeps every layer on the CPU: same numbers, same fingerprint."""
    default = resolve_model(f"hf:{tiny_clip}")
    mapped = resolve_model(f"hf:{tiny_clip}?device_map=auto")
    assert mapped.options["placement"]["device_map"] == "auto"
    assert mapped.fingerprint == default.fingerprint
    np.testing.assert_array_equal(
        mapped.load().classify(images, LABELS), default.load().classify(images, LABELS)
    )


def test_second_order_switches_to_eager_attention_inside_the_block_only(tiny_clip: Path) -> None:
    model = resolve_model(f"hf:{tiny_clip}").load()
    config = model._model.config
    assert config.vision_config._attn_implementation == "sdpa"
    with model.second_order():
        assert config._attn_implementation == "eager"
        assert config.vision_config._attn_implementation == "eager"
    assert config._attn_implementation == "sdpa"
    assert config.vision_config._attn_implementation == "sdpa"
