"""vlguard_lora on a tiny random LLaVA built into tmp and loaded through ``hf:``: a few seconds
of LoRA training move the model in the trained direction (the refusal grows far more likely on
held-out typographic harmful probes, while the base model's own answers on held-out world scenes
do not become less likely), the adapter is the cached artifact, and a second wrap reuses it.

The tiny model's decoder has random weights initialised at std 0.02: its logits are bounded
near zero whatever its hidden states, so LoRA on the attention alone cannot make any answer
likely. The spec here also adapts ``lm_head``. A random 32 px vision tower cannot read the text
in the image either, so harmful and benign typographic twins look alike to it: the test does not
claim the greedy answer flips, only that the likelihoods move as trained.

The replay is a small ``train_data`` folder of world scenes (an hf: model never trains on the
world unless handed it); training goes through ``Tunable`` (LoRA placed on the base and removed
afterwards), so the base's generations are the same after training as before."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from tiny_models import build_tiny_llava
from typer.testing import CliRunner
from vlmtrust_testing import prompt_folder, report_rows

from vlmtrust.attacks.base import build_attack
from vlmtrust.cli.main import app
from vlmtrust.core.errors import CapabilityError, ConfigError, DataError
from vlmtrust.core.spec import Spec
from vlmtrust.data.instructions import Example
from vlmtrust.data.probes import load_probes
from vlmtrust.mitigations.trainers.vlguard_lora import (
    ADAPTER_DIR,
    REFUSAL,
    VlguardLora,
    world_prompts,
)
from vlmtrust.models.base import resolve_model
from vlmtrust.models.hf_generator import HFGenerator
from vlmtrust.models.hf_generator_tuning import answer_logprobs
from vlmtrust.scorers import refusal
from vlmtrust.store.artifacts import ArtifactCache

#: training takes seconds idle but minutes on a loaded machine
pytestmark = pytest.mark.timeout(900)

#: relative to the module's working folder (train_data must sit under the folder a scan runs in)
TRAIN_DATA = "replay"
TINY_SPEC = {
    "train_data": TRAIN_DATA,
    "steps": 40,
    "lr": 0.01,
    "safety_examples": 40,
    "replay": 24,
    "target_modules": ["q_proj", "v_proj", "lm_head"],
}
#: the replay folder's world scenes, and held-out ones from a seed the replay does not use
REPLAY_WORLD_SEED = 1000
HELD_OUT_WORLD_SEED = 777


class CountingVlguardLora(VlguardLora):
    """The real trainer, counting how often it trains."""

    fits = 0

    def fit(self, model: Any, out: Path) -> Any:
        CountingVlguardLora.fits += 1
        return super().fit(model, out)


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> Iterator[None]:
    """The tiny model's matrices are too small for two threads to help on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module", autouse=True)
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The module runs in a folder holding its train_data folder (24 world scenes, each with
    a caption or VQA prompt)."""
    folder = tmp_path_factory.mktemp("work")
    prompt_folder(
        folder / TRAIN_DATA,
        [(image, {"prompt": prompt}) for image, prompt in world_prompts(REPLAY_WORLD_SEED, 24)],
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        yield folder


@pytest.fixture(scope="module")
def llava(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_llava(tmp_path_factory.mktemp("llava") / "llava", seed=0)


@pytest.fixture(scope="module")
def base(llava: Path) -> HFGenerator:
    loaded = resolve_model(f"hf:{llava}?max_new_tokens=12").load()
    assert isinstance(loaded, HFGenerator)
    return loaded


@pytest.fixture(scope="module")
def untuned_answers(base: HFGenerator) -> list[str]:
    """The base's greedy answers on held-out scenes, before any training."""
    scenes = world_prompts(HELD_OUT_WORLD_SEED, 8)
    return base.generate([i for i, _ in scenes], [p for _, p in scenes])


@pytest.fixture(scope="module")
def tuned(base: HFGenerator, untuned_answers: list[str]) -> HFGenerator:
    CountingVlguardLora.fits = 0
    wrapped = CountingVlguardLora(Spec(name="vlguard_lora", params=TINY_SPEC)).wrap(base)
    assert CountingVlguardLora.fits == 1
    assert isinstance(wrapped, HFGenerator)
    return wrapped


def per_token(model: HFGenerator, examples: list[Example]) -> torch.Tensor:
    with torch.no_grad():
        logp, tokens = answer_logprobs(model, examples)
    return logp / tokens


def held_out_harmful_figstep(n: int = 12) -> list[Example]:
    """Unseen paraphrased harmful requests (the ``paraphrase`` probe set), rendered by the
    ``figstep`` attack, each paired with the refusal."""
    figstep = build_attack(Spec(name="figstep"))
    probes = [p.to_sample() for p in load_probes() if p.set == "paraphrase" and p.harmful]
    out = []
    for sample in probes[:n]:
        attacked = figstep.apply(sample)
        out.append(Example("probe", attacked.load_image(), attacked.prompt or "", REFUSAL))
    return out


def test_refusal_grows_likely_on_held_out_typographic_harmful_probes(
    base: HFGenerator, tuned: HFGenerator
) -> None:
    probes = held_out_harmful_figstep()
    before, after = per_token(base, probes), per_token(tuned, probes)
    gain = after - before
    assert float(gain.min()) > 1.0, gain  # every probe, nats per answer token
    assert float(gain.mean()) > 2.0, gain
    # The base model is untouched by the fine-tune (the baseline variant keeps using it).
    torch.testing.assert_close(per_token(base, probes), before)


def test_the_base_answers_as_before_training(
    base: HFGenerator, tuned: HFGenerator, untuned_answers: list[str]
) -> None:
    """The adapters were placed on the base network for training and unloaded: same modules,
    frozen as they were, same greedy answers."""
    scenes = world_prompts(HELD_OUT_WORLD_SEED, 8)
    assert base.generate([i for i, _ in scenes], [p for _, p in scenes]) == untuned_answers
    assert not hasattr(base._model, "peft_config")
    assert not any("lora" in name for name, _ in base._model.named_modules())
    assert tuned._model is not base._model


def test_benign_answers_on_held_out_scenes_are_kept(base: HFGenerator, tuned: HFGenerator) -> None:
    scenes = world_prompts(HELD_OUT_WORLD_SEED, 16)
    images, prompts = [i for i, _ in scenes], [p for _, p in scenes]
    answers = base.generate(images, prompts)
    own = [Example("scene", i, p, a) for (i, p), a in zip(scenes, answers, strict=True)]
    before, after = per_token(base, own), per_token(tuned, own)
    assert float(after.mean()) >= float(before.mean()) - 0.25, (before, after)
    # Its greedy answers there are not refusals. (In likelihood the refusal does spread to
    # ordinary scenes too: the random model cannot tell them apart from FigStep images.)
    tuned_answers = tuned.generate(images, prompts)
    assert all(refusal.judge(a).complied is not False for a in tuned_answers), tuned_answers


def test_the_adapter_is_the_cached_artifact_and_a_second_wrap_reuses_it(
    base: HFGenerator, tuned: HFGenerator, capsys: pytest.CaptureFixture[str]
) -> None:
    trainer = CountingVlguardLora(Spec(name="vlguard_lora", params=TINY_SPEC))
    key = trainer.artifact_key(base.handle)
    card = ArtifactCache().card(key)
    assert card is not None and card["base_fingerprint"] == base.handle.fingerprint
    adapter = ArtifactCache().path_for(key) / ADAPTER_DIR
    assert (adapter / "adapter_config.json").is_file()
    assert (adapter / "adapter_model.safetensors").is_file()
    assert 0 < card["trainable_parameters"] < sum(p.numel() for p in base._model.parameters())
    capsys.readouterr()
    again = trainer.wrap(base)
    assert CountingVlguardLora.fits == 1  # loaded, not retrained
    assert "training" not in capsys.readouterr().err
    assert again.card == tuned.card
    probes = held_out_harmful_figstep(4)
    torch.testing.assert_close(per_token(again, probes), per_token(tuned, probes))
    # Another spec is another artifact.
    other = VlguardLora(Spec(name="vlguard_lora", params={**TINY_SPEC, "seed": 1}))
    assert other.artifact_key(base.handle) != key


def test_an_hf_model_without_train_data_is_refused_before_the_run(llava: Path) -> None:
    trainer = VlguardLora(Spec(name="vlguard_lora"))
    with pytest.raises(ConfigError, match="vlguard_lora:train_data=PATH"):
        trainer.check_model(resolve_model(f"hf:{llava}"))


def test_bad_harmful_values_and_nothing_to_refuse_are_one_line_errors(
    llava: Path, workdir: Path
) -> None:
    handle = resolve_model(f"hf:{llava}")
    image = world_prompts(5, 1)[0][0]
    prompt_folder(workdir / "odd", [(image, {"prompt": "hi", "harmful": "maybe"})] * 2)
    with pytest.raises(DataError, match="harmful='maybe'"):
        VlguardLora(Spec(name="vlguard_lora", params={"train_data": "odd"})).check_model(handle)
    spec = Spec(name="vlguard_lora", params={"train_data": TRAIN_DATA, "safety_examples": 0})
    with pytest.raises(ConfigError, match="nothing to refuse"):
        VlguardLora(spec).check_model(handle)


def test_zoo_assistant_is_refused_before_the_run() -> None:
    trainer = VlguardLora(Spec(name="vlguard_lora"))
    with pytest.raises(CapabilityError, match="hf: image-text-to-text") as err:
        trainer.check_model(resolve_model("zoo:assistant"))
    assert "use vlguard" in str(err.value)


def test_vlguard_on_an_hf_generator_points_to_vlguard_lora(llava: Path) -> None:
    from vlmtrust.mitigations.trainers.vlguard import Vlguard

    with pytest.raises(CapabilityError, match="use vlguard_lora"):
        Vlguard(Spec(name="vlguard")).check_model(resolve_model(f"hf:{llava}"))


def test_unknown_target_modules_are_a_one_line_error(base: HFGenerator) -> None:
    spec = Spec(name="vlguard_lora", params={**TINY_SPEC, "steps": 1, "target_modules": ["nope"]})
    with pytest.raises(CapabilityError, match="target_modules"):
        VlguardLora(spec).wrap(base)


def test_a_scan_runs_baseline_and_adapter_side_by_side(
    llava: Path, tuned: HFGenerator, tmp_path: Path
) -> None:
    """Through the CLI: ``--mitigate vlguard_lora:...`` on an hf: model; the trainer reuses the
    module's artifact (same fingerprint, spec and data), so the scan does not train again."""
    out = tmp_path / "run"
    mitigation = "vlguard_lora:" + ",".join(
        f"{k}={json.dumps(v)}" if isinstance(v, list) else f"{k}={v}" for k, v in TINY_SPEC.items()
    )
    args = [
        "scan",
        "--model",
        f"hf:{llava}?max_new_tokens=12",
        "--task",
        'safety.jailbreak:sets=["paraphrase"],attacks=["figstep"]',
        "--mitigate",
        mitigation,
        "--limit",
        "4",
        "--out",
        str(out),
        "--quiet",
    ]
    fits = CountingVlguardLora.fits
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "training" not in result.output and CountingVlguardLora.fits == fits
    rows = [r for r in report_rows(out) if r["metric"] == "asr" and r["attack"] == "figstep"]
    assert {r["mitigation"] for r in rows} == {"none", rows[-1]["mitigation"]} and len(rows) == 2
    assert any(r["mitigation"].startswith("vlguard_lora") for r in rows)
    assert all(r["n"] + r["details"]["n_unscorable"] == 4 for r in rows)


def test_a_scan_without_train_data_exits_2_with_one_line(llava: Path, tmp_path: Path) -> None:
    args = ["scan", "--model", f"hf:{llava}", "--task", "safety.jailbreak"]
    args += ["--mitigate", "vlguard_lora:steps=1", "--out", str(tmp_path / "run"), "--quiet"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "vlguard_lora:train_data=PATH" in result.output
    assert "Traceback" not in result.output
