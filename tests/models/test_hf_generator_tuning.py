"""hf: generators as Tunable: the decoder tuned as LoRA adapters placed on the loaded network
itself and unloaded afterwards (the same modules, weights, flags and answers as before, even
when training fails), the answer loss under the model's own chat prompting, the adapter folder
as the delta (loadable by peft), loaded into a copy while the base stays as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from tiny_models import build_tiny_llava

from vlmtrust.core.capabilities import Lora, Tunable
from vlmtrust.core.errors import CapabilityError
from vlmtrust.data import world
from vlmtrust.data.instructions import Example
from vlmtrust.models.base import resolve_model
from vlmtrust.models.hf_generator import HFGenerator
from vlmtrust.models.hf_generator_tuning import ADAPTER_DIR, answer_logprobs

LORA = Lora(rank=2, alpha=4, target_modules=("q_proj", "v_proj", "lm_head"))


@pytest.fixture(scope="module")
def llava(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_llava(tmp_path_factory.mktemp("llava") / "llava", seed=0)


@pytest.fixture(scope="module")
def generator(llava: Path) -> HFGenerator:
    loaded = resolve_model(f"hf:{llava}?max_new_tokens=6").load()
    assert isinstance(loaded, HFGenerator)
    return loaded


def _examples() -> list[Example]:
    images = [s.load_image() for s in world.generate(3, 2)]
    return [
        Example("a", images[0], "describe the image.", "a red circle"),
        Example("b", None, "hello?", "hello there"),
        Example("c", images[1], "what shape is it?", "a square"),
    ]


def _snapshot(generator: HFGenerator) -> tuple[dict[str, torch.Tensor], list[object], list[bool]]:
    network = generator._model
    state = {k: v.clone() for k, v in network.state_dict().items()}
    modules = [m for _, m in network.named_modules()]
    return state, modules, [p.requires_grad for p in network.parameters()]


def test_the_handle_declares_the_decoder_and_the_model_is_tunable(
    llava: Path, generator: HFGenerator
) -> None:
    handle = resolve_model(f"hf:{llava}")
    assert "Tunable" in handle.capabilities and handle.tunable_roles == {"decoder"}
    assert isinstance(generator, Tunable)
    assert generator.module("decoder") is generator._model
    with pytest.raises(CapabilityError, match="offers no 'image_tower'"):
        generator.module("image_tower")
    with pytest.raises(CapabilityError, match="no text tower"):
        generator.logit_scale()


def test_training_inside_trainable_leaves_the_base_exactly_as_it_was(
    generator: HFGenerator,
) -> None:
    images = [s.load_image() for s in world.generate(9, 3)]
    prompts = ["describe the image."] * 3
    answers = generator.generate(images, prompts)
    state, modules, grads = _snapshot(generator)
    examples = _examples()
    torch.manual_seed(0)  # the adapters' initial draws
    # a run that fails midway restores the base too
    with pytest.raises(RuntimeError, match="stop"), generator.trainable("decoder", LORA) as tuned:
        assert tuned is not generator._model and hasattr(tuned, "peft_config")
        trainable = [p for p in tuned.parameters() if p.requires_grad]
        assert 0 < sum(p.numel() for p in trainable) < sum(v.numel() for v in state.values())
        optimiser = torch.optim.AdamW(trainable, lr=0.05)
        loss_of = generator.answer_loss({"decoder": tuned}, examples)
        for _ in range(3):
            loss = loss_of(torch.tensor([0, 1, 2]))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        assert generator.generate(images, prompts) != answers  # the base runs through them
        raise RuntimeError("stop")
    after, modules_after, grads_after = _snapshot(generator)
    assert after.keys() == state.keys()
    assert all(torch.equal(after[k], state[k]) for k in state)
    assert all(a is b for a, b in zip(modules_after, modules, strict=True))
    assert grads_after == grads and not generator._model.training
    assert not hasattr(generator._model, "peft_config")
    assert generator.generate(images, prompts) == answers


def test_unplaceable_adapters_are_a_one_line_error_and_change_nothing(
    generator: HFGenerator,
) -> None:
    modules = [m for _, m in generator._model.named_modules()]
    nowhere = Lora(target_modules=("nope",))
    with (
        pytest.raises(CapabilityError, match="target_modules"),
        generator.trainable("decoder", nowhere),
    ):
        pass
    assert [m for _, m in generator._model.named_modules()] == modules


def test_rows_with_and_without_images_score_as_they_do_apart(generator: HFGenerator) -> None:
    examples = _examples()
    with torch.no_grad():
        together, tokens = answer_logprobs(generator, examples)
        apart = [answer_logprobs(generator, [e]) for e in examples]
    torch.testing.assert_close(together, torch.cat([logp for logp, _ in apart]))
    assert tokens.tolist() == torch.cat([n for _, n in apart]).tolist()
    assert bool((tokens > 0).all()) and bool((together < 0).all())


def test_the_delta_is_a_peft_adapter_loaded_into_a_copy(
    generator: HFGenerator, tmp_path: Path
) -> None:
    import peft

    examples = _examples()
    with pytest.raises(CapabilityError, match="holds none"):
        generator.save_delta(tmp_path, {"decoder": generator._model})
    with generator.trainable("decoder", LORA) as tuned:
        with torch.no_grad():
            for name, param in tuned.named_parameters():
                if "lora_B" in name:
                    param.add_(0.1)
        generator.save_delta(tmp_path, {"decoder": tuned})
    assert (tmp_path / ADAPTER_DIR / "adapter_config.json").is_file()
    loaded = generator.load_delta(tmp_path)
    assert loaded._model is not generator._model
    assert not hasattr(generator._model, "peft_config")
    assert isinstance(loaded._model, peft.PeftModel)
    with torch.no_grad():
        base, _ = answer_logprobs(generator, examples)
        moved, _ = answer_logprobs(loaded, examples)
    assert not torch.allclose(base, moved)
