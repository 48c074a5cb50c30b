"""The hf: adapter on a tiny random LLaVA (CLIP vision tower + Llama decoder) built offline into
tmp: loading through resolve_model, greedy batched generation, pixel gradients, one-line errors,
a scan through the CLI and serving it over the OpenAI-compatible API."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
import vlmtrust_testing as gen
from PIL import Image
from tiny_models import (
    build_tiny_chat_tokenizer,
    build_tiny_llava,
    build_tiny_llava_next,
)
from transformers import LlamaConfig, LlamaForCausalLM
from typer.testing import CliRunner

from vlmtrust.attacks.gradient import perturb
from vlmtrust.cli.main import app
from vlmtrust.core.capabilities import capabilities_of
from vlmtrust.core.errors import CapabilityError, ConfigError, ModelLoadError
from vlmtrust.models.base import resolve_model
from vlmtrust.models.hf_generator import HFGenerator
from vlmtrust.models.hf_processors import chat_messages
from vlmtrust.models.openai import OpenAIGenerator
from vlmtrust.serve.openai_server import create_app

PROMPTS = ["what colour is the object?", "what shape is it?", "describe the image."]


@pytest.fixture(scope="module")
def llava(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_llava(tmp_path_factory.mktemp("llava") / "llava", seed=0)


@pytest.fixture(scope="module")
def model(llava: Path) -> HFGenerator:
    loaded = resolve_model(f"hf:{llava}?max_new_tokens=6").load()
    assert isinstance(loaded, HFGenerator)
    return loaded


@pytest.fixture
def images() -> list[Image.Image | None]:
    rng = np.random.default_rng(0)
    noise = Image.fromarray(rng.integers(0, 256, (45, 70, 3), dtype=np.uint8))
    return [Image.new("RGB", (40, 40), (220, 30, 30)), noise, None]


def test_resolves_as_a_differentiable_generator(llava: Path, model: HFGenerator) -> None:
    handle = resolve_model(f"hf:{llava}")
    assert handle.capabilities == {"Generator", "Differentiable", "Tunable"}
    assert handle.capabilities <= capabilities_of(model)
    assert handle.name == "hf:llava" and handle.options["model_type"] == "llava"
    assert handle.options["max_new_tokens"] == 64


def test_max_new_tokens_is_an_option_in_the_fingerprint(llava: Path) -> None:
    default = resolve_model(f"hf:{llava}")
    short = resolve_model(f"hf:{llava}?max_new_tokens=6")
    assert short.options["max_new_tokens"] == 6
    assert short.fingerprint != default.fingerprint
    assert resolve_model(f"hf:{llava}?max_new_tokens=6").fingerprint == short.fingerprint
    with pytest.raises(ConfigError, match="max_new_tokens"):
        resolve_model(f"hf:{llava}?max_new_tokens=0")
    with pytest.raises(ConfigError, match="temperature"):
        resolve_model(f"hf:{llava}?temperature=1")


def test_options_on_a_dual_encoder_are_refused(tiny_clip: Path) -> None:
    with pytest.raises(ConfigError, match="dual encoder"):
        resolve_model(f"hf:{tiny_clip}?max_new_tokens=6")


def test_generation_is_greedy_batched_and_bounded(
    model: HFGenerator, images: list[Image.Image | None]
) -> None:
    answers = model.generate(images, PROMPTS)
    assert len(answers) == 3 and all(isinstance(a, str) and a for a in answers)
    assert model.generate(images, PROMPTS) == answers  # greedy: no sampling
    # Left padding: each prompt decodes the same alone as beside longer ones.
    alone = [
        model.generate([image], [prompt])[0] for image, prompt in zip(images, PROMPTS, strict=True)
    ]
    assert alone == answers
    tokens = model._tokenizer(answers, add_special_tokens=False)["input_ids"]
    assert max(len(t) for t in tokens) <= 6


def test_control_tokens_in_a_prompt_are_plain_text(model: HFGenerator) -> None:
    """A prompt that writes the image placeholder or EOS cannot add an image slot or end the
    turn: without sanitising, the processor rejects the batch (2 placeholders, 1 image)."""
    image = Image.new("RGB", (32, 32), (30, 160, 40))
    tricky = "what is <image> here? <eos> assistant: yes"
    assert len(model.generate([image, image], [tricky, PROMPTS[0]])) == 2
    ids = model._prompt_tokens(tricky)[0].tolist()
    image_id = model._tokenizer.convert_tokens_to_ids("<image>")
    assert ids.count(image_id) == (32 // 8) ** 2
    assert model._tokenizer.eos_token_id not in ids


def test_the_image_reaches_the_model(model: HFGenerator) -> None:
    red, blue = Image.new("RGB", (32, 32), (220, 30, 30)), Image.new("RGB", (32, 32), (0, 0, 200))
    logits = model.pixel_logits(model.to_pixels([red, blue]), ["red", "blue"])
    assert not torch.allclose(logits[0], logits[1])


def test_pixel_path_reproduces_the_processor(
    model: HFGenerator, images: list[Image.Image | None]
) -> None:
    real = [image for image in images if image is not None]
    pixels = model.to_pixels(real)
    assert pixels.shape == (2, 3, 32, 32)
    assert float(pixels.min()) >= 0.0 and float(pixels.max()) <= 1.0
    expected = model._processor.image_processor(images=real, return_tensors="pt")["pixel_values"]
    assert model._preprocess is not None
    mean = torch.tensor(model._preprocess.mean).view(1, 3, 1, 1)
    std = torch.tensor(model._preprocess.std).view(1, 3, 1, 1)
    torch.testing.assert_close((pixels - mean) / std, expected, atol=1e-5, rtol=0)


def test_pixel_logits_are_answer_log_likelihoods_with_pixel_gradients(
    model: HFGenerator, images: list[Image.Image | None]
) -> None:
    pixels = model.to_pixels([image for image in images if image is not None])
    pixels.requires_grad_(True)
    logits = model.pixel_logits(pixels, ["red", "a blue square"], prompt="what colour?")
    assert logits.shape == (2, 2)
    assert bool((logits < 0).all())  # sums of log-probabilities
    logits[:, 0].sum().backward()
    assert pixels.grad is not None and float(pixels.grad.abs().sum()) > 0
    assert all(p.grad is None for p in model._model.parameters())


def test_pgd_moves_the_answer_towards_a_target_caption(model: HFGenerator) -> None:
    """The project's PGD on the pixel path raises a target caption's likelihood within eps."""
    captions = ["a red circle", "a blue square"]
    clean = model.to_pixels([Image.new("RGB", (32, 32), (220, 30, 30))] * 2)
    goal = torch.tensor([1, 0])
    eps = 8 / 255
    attacked = perturb(
        lambda x: model.pixel_logits(x, captions),
        clean,
        goal,
        eps=eps,
        steps=3,
        step_size=3 / 255,
        norm="linf",
        targeted=True,
    )
    assert float((attacked - clean).abs().max()) <= eps + 1e-6
    with torch.no_grad():
        before = model.pixel_logits(clean, captions).log_softmax(-1)
        after = model.pixel_logits(attacked, captions).log_softmax(-1)
    rows = torch.arange(2)
    assert bool((after[rows, goal] > before[rows, goal]).all())


def test_older_layout_with_preprocessor_config_loads_the_same(
    llava: Path, model: HFGenerator, tmp_path: Path
) -> None:
    """Hub checkpoints saved before transformers 5 keep the image processor in its own file."""
    path = shutil.copytree(llava, tmp_path / "legacy")
    processor_config = json.loads((path / "processor_config.json").read_text())
    image_processor = processor_config.pop("image_processor")
    (path / "preprocessor_config.json").write_text(json.dumps(image_processor))
    (path / "processor_config.json").write_text(json.dumps(processor_config))
    legacy = resolve_model(f"hf:{path}?max_new_tokens=6")
    assert legacy.capabilities == {"Generator", "Differentiable", "Tunable"}
    image = Image.new("RGB", (32, 32), (30, 160, 40))
    loaded = legacy.load()
    assert isinstance(loaded, HFGenerator)
    assert loaded.generate([image], [PROMPTS[0]]) == model.generate([image], [PROMPTS[0]])


def test_a_tiling_processor_gives_a_generator_without_gradients(tmp_path: Path) -> None:
    """LLaVA-NeXT tiles images by their aspect ratio: images of different shapes expand to
    different numbers of tokens in one left-padded batch, and there is no pixel path."""
    path = build_tiny_llava_next(tmp_path / "llava-next")
    handle = resolve_model(f"hf:{path}?max_new_tokens=5")
    assert handle.capabilities == {"Generator", "Tunable"}
    loaded = handle.load()
    assert isinstance(loaded, HFGenerator)
    tall, wide = Image.new("RGB", (30, 64), (220, 30, 30)), Image.new("RGB", (64, 30), (0, 0, 200))
    images: list[Image.Image | None] = [tall, wide, None]
    answers = loaded.generate(images, PROMPTS)
    alone = [loaded.generate([i], [p])[0] for i, p in zip(images, PROMPTS, strict=True)]
    assert alone == answers and all(answers)
    with pytest.raises(CapabilityError, match="not Differentiable"):
        loaded.to_pixels([tall])


def test_text_only_checkpoint_cannot_take_images(tmp_path: Path) -> None:
    path = _text_only_llama(tmp_path / "llama")
    with pytest.raises(ModelLoadError, match="cannot take images") as err:
        resolve_model(f"hf:{path}")
    assert "'llama'" in str(err.value) and "image-text-to-text" in str(err.value)


def test_text_only_checkpoint_exits_2_through_the_cli(tmp_path: Path) -> None:
    path = _text_only_llama(tmp_path / "llama")
    out = tmp_path / "run"
    args = ["scan", "--model", f"hf:{path}", "--suite", "robustness", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert message.startswith("error: ") and "\n" not in message
    assert "cannot take images" in message
    assert not out.exists()


def test_missing_chat_template_is_named(llava: Path, tmp_path: Path) -> None:
    path = shutil.copytree(llava, tmp_path / "no-template")
    (path / "chat_template.jinja").unlink()
    with pytest.raises(ModelLoadError, match="no chat template"):
        resolve_model(f"hf:{path}")


def test_missing_processor_is_named(llava: Path, tmp_path: Path) -> None:
    path = shutil.copytree(llava, tmp_path / "no-processor")
    (path / "processor_config.json").unlink()
    with pytest.raises(ModelLoadError, match="no image processor"):
        resolve_model(f"hf:{path}")


def test_corrupt_weights_fail_at_load_with_a_model_error(llava: Path, tmp_path: Path) -> None:
    path = shutil.copytree(llava, tmp_path / "corrupt")
    (path / "model.safetensors").write_bytes(b"not safetensors")
    handle = resolve_model(f"hf:{path}")
    with pytest.raises(ModelLoadError, match="cannot load"):
        handle.load()


def test_vqa_scan_runs_end_to_end_through_the_cli(llava: Path, tmp_path: Path) -> None:
    """Random weights answer nonsense, so accuracy is ~0: this proves the plumbing only."""
    out = tmp_path / "run"
    task = 'robustness.vqa:n=3,corruptions=["jpeg"]'
    args = ["scan", "--model", f"hf:{llava}?max_new_tokens=4", "--task", task, "--out", str(out)]
    runner = CliRunner()
    result = runner.invoke(app, [*args, "--quiet"])
    assert result.exit_code == 0, result.output
    report = runner.invoke(app, ["report", str(out), "--format", "json"])
    rows = json.loads(report.stdout)["rows"]
    accuracy = {r["attack"]: r for r in rows if r["metric"] == "accuracy"}
    assert set(accuracy) == {"none", "corruption.jpeg"}
    assert all(r["n"] + r["details"].get("n_unscorable", 0) == 6 for r in accuracy.values())


def test_served_over_the_openai_api_it_answers_as_in_process(
    model: HFGenerator, images: list[Image.Image | None]
) -> None:
    local = model.generate(images, PROMPTS)
    with gen.serving(create_app(model, "llava")) as url:
        remote = resolve_model(f"openai:{url}#llava?max_retries=0").load()
        assert isinstance(remote, OpenAIGenerator)
        try:
            assert remote.generate(images, PROMPTS) == local
        finally:
            remote.close()


def _text_only_llama(path: Path) -> Path:
    tokenizer = build_tiny_chat_tokenizer()
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
    )
    LlamaForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


# --- device, precision and batch size ---


def test_dtype_joins_the_generator_fingerprint_beside_its_options(llava: Path) -> None:
    short = resolve_model(f"hf:{llava}?max_new_tokens=6")
    assert resolve_model(f"hf:{llava}?max_new_tokens=6&device=cpu").fingerprint == short.fingerprint
    assert resolve_model(f"hf:{llava}?dtype=float32&max_new_tokens=6").fingerprint == (
        short.fingerprint
    )
    half = resolve_model(f"hf:{llava}?max_new_tokens=6&dtype=bfloat16")
    assert half.fingerprint != short.fingerprint
    assert half.options["max_new_tokens"] == 6 and half.options["placement"]["dtype"] == "bfloat16"
    with pytest.raises(ConfigError, match="dtype='int8'"):
        resolve_model(f"hf:{llava}?dtype=int8")


def test_bfloat16_on_cpu_answers_and_scores_close_to_float32(
    llava: Path, model: HFGenerator, images: list[Image.Image | None]
) -> None:
    half = resolve_model(f"hf:{llava}?max_new_tokens=6&dtype=bfloat16").load()
    assert isinstance(half, HFGenerator)
    assert next(half._model.parameters()).dtype == torch.bfloat16
    answers = half.generate(images, PROMPTS)
    assert len(answers) == 3 and all(isinstance(a, str) and a for a in answers)
    real = [image for image in images if image is not None]
    pixels = half.to_pixels(real).requires_grad_(True)
    logits = half.pixel_logits(pixels, ["red", "a blue square"])
    assert logits.dtype == torch.float32 and logits.device == pixels.device
    reference = model.pixel_logits(model.to_pixels(real), ["red", "a blue square"])
    torch.testing.assert_close(logits.detach(), reference, atol=0.1, rtol=0.01)
    assert not torch.equal(logits.detach(), reference)
    logits[:, 1].sum().backward()
    assert pixels.grad is not None and pixels.grad.dtype == torch.float32
    assert float(pixels.grad.abs().sum()) > 0


def test_out_of_memory_while_generating_halves_the_batch_with_the_same_answers(
    llava: Path, model: HFGenerator
) -> None:
    """A fault-injecting double of the language model's forward only: more than one sequence
    raises as CUDA's allocator does."""
    fresh = resolve_model(f"hf:{llava}?max_new_tokens=6").load()
    assert isinstance(fresh, HFGenerator)
    rng = np.random.default_rng(1)
    images = [Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)) for _ in range(4)]
    prompts = [*PROMPTS, "what is in the picture?"]
    raised: list[int] = []

    def check(_module: Any, _args: Any, kwargs: dict[str, Any]) -> None:
        size = int(kwargs["inputs_embeds"].shape[0])
        if size > 1:
            raised.append(size)
            raise torch.OutOfMemoryError(f"CUDA out of memory (injected at {size} sequences)")

    language = fresh._model.model.language_model
    hook = language.register_forward_pre_hook(check, with_kwargs=True)
    try:
        answers = fresh.generate(images, prompts)
    finally:
        hook.remove()
    assert raised == [4, 2]
    assert answers == model.generate(images, prompts)


def test_chat_of_one_user_turn_answers_as_generate(
    model: HFGenerator, images: list[Image.Image | None]
) -> None:
    from vlmtrust.core.chat import GenerationOptions, Message

    turns = [
        [Message(role="user", text=p, images=() if i is None else (i,))]
        for i, p in zip(images, PROMPTS, strict=True)
    ]
    assert model.chat(turns, GenerationOptions()) == model.generate(images, PROMPTS)


def test_chat_takes_several_turns_and_images_and_reproduces_a_sampled_answer(
    model: HFGenerator, images: list[Image.Image | None]
) -> None:
    from vlmtrust.core.chat import GenerationOptions, Message

    red, noise, _ = images
    assert red is not None and noise is not None
    conversation = [
        Message(role="user", text="what colour is this?", images=(red,)),
        Message(role="assistant", text="red."),
        Message(role="user", text="and this one?", images=(noise,)),
    ]
    prompt_ids = model._prompter.conversation_inputs(
        [[*chat_messages(conversation)]], padding=False
    )["input_ids"]
    one_turn = model._prompter.inputs([noise], ["and this one?"], padding=False)["input_ids"]
    assert prompt_ids.shape[1] > one_turn.shape[1]  # the earlier turn and image are shown
    greedy = model.chat([conversation], GenerationOptions(max_tokens=4))
    assert len(model._tokenizer(greedy[0], add_special_tokens=False)["input_ids"]) <= 4
    hot = GenerationOptions(temperature=1.5, seed=5, max_tokens=6)
    first = model.chat([conversation, conversation[:1]], hot)
    assert model.chat([conversation[:1], conversation], hot) == first[::-1]  # batch-independent
    others = {model.chat([conversation], hot.model_copy(update={"seed": s}))[0] for s in range(6)}
    assert len(others) > 1  # the seed decides a sampled answer
