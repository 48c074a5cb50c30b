"""``vlmtrust export``: the fixed model leaves the cache as a standard Hugging Face checkpoint
that transformers and ``hf:DIR`` load, computing what the mitigated model computed in the scan,
with a card holding the scan's before -> after rows; bad requests are one line, exit 2, and
leave nothing behind."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from cli_run import run_cli
from tiny_models import build_tiny_llava
from vlmtrust_testing import caption_folder, prompt_folder

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec, parse_spec
from vlmtrust.data import world
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.models.base import resolve_model
from vlmtrust.runner import run

pytestmark = pytest.mark.timeout(900)


@pytest.fixture
def dp_scan(tmp_path, tiny_clip, monkeypatch):
    """A membership scan of the tiny CLIP with dp_finetune on a member folder: (run, spec)."""
    monkeypatch.chdir(tmp_path)  # files named in specs must be under the working dir
    scenes = world.generate(11, 24, family="objects")
    members = caption_folder(tmp_path / "members", scenes[:12])
    scan = caption_folder(tmp_path / "scan", scenes, member=lambda i: i < 12)
    mitigation = f'dp_finetune:member_data="{members}",epochs=3,batch_size=6'
    config = RunConfig(
        model=f"hf:{tiny_clip}",
        tasks=(Spec(name="privacy.membership", params={"resamples": 100}),),
        data=scan,
        mitigations=(mitigation,),
        out=tmp_path / "run",
        show_progress=False,
    )
    run(config)
    return tmp_path / "run", mitigation


def test_an_exported_clip_loads_in_transformers_and_computes_what_the_scan_measured(
    tmp_path, tiny_clip, dp_scan
):
    from transformers import CLIPModel

    run_dir, mitigation = dp_scan
    artifacts = Path(os.environ["VLMTRUST_CACHE"]) / "artifacts"
    cached = sorted(artifacts.iterdir())
    out = tmp_path / "fixed"
    done = run_cli(
        "export", "--model", f"hf:{tiny_clip}", "--mitigate", mitigation, "--out", str(out),
        "--results", str(run_dir),
    )  # fmt: skip
    assert done.code == 0, done.stderr
    assert sorted(artifacts.iterdir()) == cached  # the scan's training is reused, not redone

    base = resolve_model(f"hf:{tiny_clip}").load()
    tuned = build_mitigation(parse_spec(mitigation)).wrap(base)
    exported = CLIPModel.from_pretrained(out).eval()
    pixels = torch.rand(3, 3, 32, 32)
    with torch.no_grad():
        want, got, before = (
            m.get_image_features(pixel_values=pixels) for m in (tuned._model, exported, base._model)
        )
    want, got, before = (getattr(t, "pooler_output", t) for t in (want, got, before))
    assert torch.allclose(want, got, atol=1e-4)
    assert not torch.allclose(before, got, atol=1e-3)  # the fix is in the exported weights
    # and it is a checkpoint vlmtrust scans like any other
    images = [s.load_image() for s in world.generate(5, 3)]
    again = resolve_model(f"hf:{out}").load()
    np.testing.assert_allclose(again.encode_image(images), tuned.encode_image(images), atol=1e-4)

    card = (out / "README.md").read_text()
    assert card.startswith("---\nlibrary_name: transformers")
    assert "| privacy.membership | none | auc |" in card  # the measured row, before and after
    [auc_line] = [line for line in card.splitlines() if "| auc |" in line]
    assert auc_line.endswith("| no paired form |")  # AUC has no per-sample form to pair
    provenance = json.loads((out / "vlmtrust_export.json").read_text())
    [auc] = [p for p in provenance["before_after"] if p["metric"] == "auc"]
    assert auc["before"]["n"] == auc["after"]["n"] == 24
    assert provenance["trainer_card"]["private"] is True


def test_a_lora_fix_is_merged_into_a_loadable_generator_or_written_alone(tmp_path, monkeypatch):
    from transformers import AutoModelForImageTextToText

    monkeypatch.chdir(tmp_path)
    checkpoint = build_tiny_llava(tmp_path / "llava")
    replay = [(s.load_image(), {"prompt": "describe the image."}) for s in world.generate(4, 2)]
    prompt_folder(tmp_path / "replay", replay)
    mitigation = (
        'vlguard_lora:train_data="replay",steps=3,safety_examples=4,replay=2,batch_size=2,lr=0.05'
    )
    out = tmp_path / "fixed"
    done = run_cli(
        "export", "--model", f"hf:{checkpoint}", "--mitigate", mitigation, "--out", str(out)
    )
    assert done.code == 0, done.stderr
    assert "LoRA merged" in done.stdout and "No measurements" in (out / "README.md").read_text()
    assert not (out / "adapter_config.json").exists()
    for name in ("tokenizer.json", "processor_config.json", "chat_template.jinja"):
        assert (out / name).read_bytes() == (checkpoint / name).read_bytes()

    tuned = build_mitigation(parse_spec(mitigation)).wrap(resolve_model(f"hf:{checkpoint}").load())
    merged = AutoModelForImageTextToText.from_pretrained(out).eval()
    ids = torch.tensor([[1, 5, 7, 9]])
    base = resolve_model(f"hf:{checkpoint}").load()
    with torch.no_grad():
        want = tuned._model(input_ids=ids).logits
        got = merged(input_ids=ids).logits
        before = base._model(input_ids=ids).logits
    assert torch.allclose(want, got, atol=1e-4)
    assert not torch.allclose(before, got, atol=1e-3)  # the fix is in the exported weights

    alone = tmp_path / "adapter"
    done = run_cli(
        "export", "--model", f"hf:{checkpoint}", "--mitigate", mitigation, "--out", str(alone),
        "--adapter-only",
    )  # fmt: skip
    assert done.code == 0, done.stderr
    assert (alone / "adapter_config.json").is_file()
    assert not (alone / "model.safetensors").exists()


def _refused(*args: str) -> str:
    done = run_cli("export", *args)
    assert done.code == 2 and "Traceback" not in done.stderr, done.stderr
    [line] = [x for x in done.stderr.splitlines() if x.startswith("error:")]
    return line


def test_what_cannot_be_exported_is_refused_in_one_line_before_anything_is_written(
    tmp_path, tiny_clip, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "fixed"
    clip = f"hf:{tiny_clip}"
    assert "zoo:clip is a zoo: model" in _refused(
        "--model", "zoo:clip", "--mitigate", "mixgen", "--out", str(out)
    )
    assert "no weights to export" in _refused(
        "--model", clip, "--mitigate", "safety_prompt", "--out", str(out)
    )
    assert "2 variants" in _refused(
        "--model", clip, "--mitigate", "dp_finetune,pgd_at", "--out", str(out)
    )
    assert "not a LoRA adapter" in _refused(
        "--model", clip, "--mitigate", "dp_finetune:member_data=x", "--out", str(out),
        "--adapter-only",
    )  # fmt: skip
    assert not out.exists()
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert "is not empty" in _refused(
        "--model", clip, "--mitigate", "dp_finetune", "--out", str(out)
    )
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_results_of_another_model_are_refused(tmp_path, tiny_clip, dp_scan):
    from tiny_models import build_tiny_clip

    run_dir, mitigation = dp_scan
    other = build_tiny_clip(tmp_path / "other", seed=1)
    line = _refused(
        "--model", f"hf:{other}", "--mitigate", mitigation, "--out", str(tmp_path / "x"),
        "--results", str(run_dir),
    )  # fmt: skip
    assert "a different checkpoint" in line
    assert not (tmp_path / "x").exists()


def test_the_card_shows_each_row_s_paired_test():
    from vlmtrust.runner.export import model_card

    paired = {"difference": -0.4, "ci_low": -0.55, "ci_high": -0.25, "test": "McNemar exact"}
    paired |= {"p_value": 1e-5, "p_holm": 3e-5, "real": True}
    summary = {"value": 0.5, "ci_low": 0.4, "ci_high": 0.6, "n": 50}
    row = {"task": "safety.jailbreak", "attack": "figstep", "metric": "asr"}
    provenance = {
        "mitigation": "vlguard_lora",
        "base_model": "hf:llava",
        "base_fingerprint": "f" * 64,
        "merged": True,
        "before_after": [row | {"before": summary, "after": summary, "paired": paired}],
    }
    card = model_card(provenance, "llava")
    assert "-0.400 [-0.550, -0.250], McNemar exact Holm p=3e-05 (real) |" in card
