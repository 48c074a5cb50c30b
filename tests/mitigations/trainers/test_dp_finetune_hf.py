"""dp_finetune on a local Hugging Face CLIP (a tiny random one built with transformers): DP-SGD on
its visual projection over a user member folder, epsilon and delta on the card and the rows,
a cached artifact, and one-line errors for a missing member set."""

import os
from pathlib import Path

import pytest
import torch
from vlmtrust_testing import cached_card, caption_folder, hf_zero_shot, scan_trains_once

from vlmtrust.core.config import RunConfig
from vlmtrust.core.errors import CapabilityError, ConfigError, DataError
from vlmtrust.core.spec import Spec, parse_spec
from vlmtrust.data import world
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.models.base import resolve_model
from vlmtrust.runner import run


def test_dp_finetune_trains_an_hf_clip_projection_with_a_budget(tmp_path, tiny_clip, monkeypatch):
    monkeypatch.chdir(tmp_path)  # files named in specs must be under the working dir
    scenes = world.generate(11, 32, family="objects")
    members = caption_folder(tmp_path / "members", scenes[:16])
    scan = caption_folder(tmp_path / "scan", scenes, member=lambda i: i < 16)
    mitigation = f'dp_finetune:member_data="{members}",epochs=5,batch_size=8'
    config = RunConfig(
        model=f"hf:{tiny_clip}",
        tasks=(Spec(name="privacy.membership", params={"resamples": 200}),),
        data=scan,
        mitigations=(mitigation,),
        out=tmp_path / "run",
        show_progress=False,
    )
    rows = {(r.mitigation.split("(")[0], r.metric): r for r in run(config).metrics}
    auc = rows["dp_finetune", "auc"]
    assert auc.n == 32 and 0 <= auc.ci_low <= auc.value <= auc.ci_high <= 1
    training = auc.details["training"]
    assert training["private"] is True and 0 < training["epsilon"] <= 8
    assert training["delta"] == 1e-5 and training["noise_multiplier"] > 0
    assert training["members"] == 16 and 0 <= training["member_accuracy"] <= 1
    # the artifact holds a changed projection; the base checkpoint is left as it was
    handle = resolve_model(f"hf:{tiny_clip}")
    base = handle.load()
    artifacts = Path(os.environ["VLMTRUST_CACHE"]) / "artifacts"
    cached = sorted(artifacts.iterdir())
    tuned = build_mitigation(parse_spec(mitigation)).wrap(base)
    assert sorted(artifacts.iterdir()) == cached  # found in the cache, not trained again
    before = base._model.visual_projection.weight
    after = tuned._model.visual_projection.weight
    assert not torch.equal(before, after)
    assert torch.equal(before, handle.load()._model.visual_projection.weight)
    assert tuned.card["epsilon"] == training["epsilon"]


def test_dp_finetune_on_an_hf_clip_needs_its_member_folder(tmp_path, tiny_clip, monkeypatch):
    monkeypatch.chdir(tmp_path)  # files named in specs must be under the working dir
    handle = resolve_model(f"hf:{tiny_clip}")
    with pytest.raises(ConfigError, match="dp_finetune:train_data=PATH"):
        build_mitigation(Spec(name="dp_finetune")).check_model(handle)
    missing = Spec(name="dp_finetune", params={"member_data": str(tmp_path / "nowhere")})
    with pytest.raises(DataError, match="does not exist"):
        build_mitigation(missing).check_model(handle)
    # member_data= is train_data's former name: both spell the same spec
    old, new = ({key: "members/"} for key in ("member_data", "train_data"))
    same = [build_mitigation(Spec(name="dp_finetune", params=p)).spec for p in (old, new)]
    assert same[0] == same[1]


# DP-SGD through LoRA on every attention block: the slow tail (rule 8)
@pytest.mark.slow
def test_dp_finetune_with_lora_adapts_the_attention_of_the_whole_tower(
    tmp_path, tiny_clip, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)  # files named in specs must be under the working dir
    scenes = world.generate(11, 16, family="objects")
    caption_folder(tmp_path / "train", scenes, member=lambda i: i < 12)
    mitigation = 'dp_finetune:train_data="train",lora_rank=2,epochs=2,batch_size=6'
    scan_trains_once(hf_zero_shot(tiny_clip, tmp_path, mitigation), capsys)
    card = cached_card(f"hf:{tiny_clip}", mitigation)
    assert card["tuned"] == "LoRA rank 2 on q_proj, v_proj" and card["private"] is True
    assert 0 < card["epsilon"] <= 8 and card["members"] == 12 and card["held_out"] == 4
    base = resolve_model(f"hf:{tiny_clip}").load()
    tuned = build_mitigation(parse_spec(mitigation)).wrap(base)  # from the cache
    layers = [m._model.vision_model.encoder.layers for m in (base, tuned)]
    assert card["trainable_parameters"] == sum(
        2 * 2 * layer.self_attn.q_proj.in_features * 2 for layer in layers[0]
    )  # A (2 x d) and B (d x 2) for q and v of every layer
    for before, after in zip(*layers, strict=True):
        assert not torch.equal(before.self_attn.q_proj.weight, after.self_attn.q_proj.weight)
        assert torch.equal(before.self_attn.k_proj.weight, after.self_attn.k_proj.weight)
        assert torch.equal(before.mlp.fc1.weight, after.mlp.fc1.weight)


def test_dp_finetune_with_lora_refuses_a_batch_norm_tower():
    spec = Spec(name="dp_finetune", params={"lora_rank": 2})
    with pytest.raises(CapabilityError, match="batch norm"):
        build_mitigation(spec).check_model(resolve_model("zoo:clip"))
