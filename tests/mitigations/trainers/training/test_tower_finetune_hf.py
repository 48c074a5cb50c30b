"""The six tower trainers on tiny hf: dual encoders with a small train_data folder: each trains
once (its last block and head only, saved as a delta of those tensors), a second scan reuses
the artifact with no training, and the mitigated rows sit beside the baseline; without
train_data, or on a model that is not Tunable, the scan stops before it starts, in one line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_run import run_cli
from safetensors.torch import load_file
from tiny_encoders import build_hub_siglip2_naflex
from tiny_models import build_tiny_siglip
from vlmtrust_testing import caption_folder

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.models.hf_dual_tuning import DELTA_FILE
from vlmtrust.runner import run

TINY = "steps=2,batch_size=4"
TRAINERS = ("pgd_at", "villa", "mixgen", "biaug", "align", "resample")
# what each may change in a 2-layer tiny CLIP: its last block and its head
LAST_BLOCK = ("vision_model.encoder.layers.1.",)
HEAD = ("vision_model.post_layernorm.", "visual_projection.")


@pytest.fixture(scope="module")
def train_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Objects and people with every column the six trainers read."""
    scenes = world.generate(21, 6, family="objects") + world.generate(21, 6, family="people")
    return caption_folder(
        tmp_path_factory.mktemp("train") / "train",
        scenes,
        columns={
            "label": lambda i, s: s.labels.get("shape") or s.labels["occupation"],
            "group": lambda i, s: s.labels.get("group") or "A",
            "camera": lambda i, s: "phone",  # one class only: nothing to tell apart
            # the next row's caption: a hard negative whose image the folder holds
            "negative_caption": lambda i, s: scenes[(i + 1) % len(scenes)].labels["caption"],
        },
    )


def _scan(model: str, mitigation: str, out: Path) -> dict[tuple[str, str, str], float]:
    summary = run(
        RunConfig(
            model=model,
            tasks=(Spec(name="robustness.zero_shot"),),
            limit=6,
            mitigations=(mitigation,),
            out=out,
            show_progress=False,
        )
    )
    return {(r.mitigation.split("(")[0], r.attack, r.metric): r.value for r in summary.metrics}


def _artifacts() -> list[Path]:
    root = Path(os.environ["VLMTRUST_CACHE"]) / "artifacts"
    return sorted(p for p in root.iterdir() if not p.name.startswith(".")) if root.exists() else []


@pytest.mark.parametrize("name", TRAINERS)
def test_a_tower_trainer_fine_tunes_an_hf_clip_on_train_data_once(
    name, tiny_clip, train_folder, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(train_folder.parent)  # files named in specs must be under the working dir
    mitigation = f"{name}:train_data=train,{TINY}"
    before = _artifacts()
    rows = _scan(f"hf:{tiny_clip}", mitigation, tmp_path / "first")
    assert f"training {name}" in capsys.readouterr().err
    [artifact] = [p for p in _artifacts() if p not in before]
    delta = load_file(str(artifact / DELTA_FILE))
    tuned = HEAD if name == "align" else LAST_BLOCK + HEAD
    assert delta and all(key.startswith(tuned) for key in delta), sorted(delta)
    assert any(key.startswith("visual_projection.") for key in delta)
    baseline = {k[1:] for k in rows if k[0] == "none"}
    assert baseline and baseline == {k[1:] for k in rows if k[0] == name}

    again = _scan(f"hf:{tiny_clip}", mitigation, tmp_path / "second")
    assert "training" not in capsys.readouterr().err  # the cached artifact, no training
    assert _artifacts() == sorted([*before, artifact])
    assert again == rows


def test_pgd_at_fine_tunes_an_hf_siglip_through_its_attention_pooling_head(
    train_folder, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(train_folder.parent)
    siglip = build_tiny_siglip(tmp_path / "siglip")
    before = _artifacts()
    rows = _scan(
        f"hf:{siglip}", f"pgd_at:train_data=train,label_columns=label,{TINY}", tmp_path / "r"
    )
    assert "training pgd_at" in capsys.readouterr().err
    [artifact] = [p for p in _artifacts() if p not in before]
    delta = load_file(str(artifact / DELTA_FILE))
    head = ("vision_model.post_layernorm.", "vision_model.head.")
    assert all(key.startswith(("vision_model.encoder.layers.1.", *head)) for key in delta)
    assert any(key.startswith("vision_model.head.") for key in delta)
    assert {k[1:] for k in rows if k[0] == "pgd_at"} == {k[1:] for k in rows if k[0] == "none"}


def _refused(model: str, mitigation: str, out: Path) -> str:
    result = run_cli(
        "scan", "--model", model, "--task", "robustness.zero_shot", "--mitigate", mitigation,
        "--out", str(out),
    )  # fmt: skip
    assert result.code == 2, result.stderr
    assert "Traceback" not in result.stderr and not out.exists()
    return result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("name", TRAINERS)
def test_an_hf_model_without_train_data_is_refused_in_one_line(name, tiny_clip, tmp_path):
    line = _refused(f"hf:{tiny_clip}", name, tmp_path / "run")
    assert line.startswith(f"error: {name} on hf:clip needs data of your own to train on")
    assert f"pass {name}:train_data=PATH" in line


def test_a_naflex_model_is_refused_in_one_line(train_folder, tmp_path, monkeypatch):
    monkeypatch.chdir(train_folder.parent)
    naflex = build_hub_siglip2_naflex(tmp_path / "naflex")
    line = _refused(f"hf:{naflex}", "pgd_at:train_data=train", tmp_path / "run")
    assert "offers no 'image_tower' to tune, which mitigation pgd_at needs" in line


def test_the_folder_is_checked_and_fingerprinted_before_the_run(
    tiny_clip, train_folder, tmp_path, monkeypatch
):
    from vlmtrust.core.errors import DataError
    from vlmtrust.mitigations.base import build_mitigation
    from vlmtrust.models.base import resolve_model

    monkeypatch.chdir(train_folder.parent)
    handle = resolve_model(f"hf:{tiny_clip}")
    trainer = build_mitigation(Spec(name="mixgen", params={"train_data": "train"}))
    trainer.check_model(handle)
    key = trainer.artifact_key(handle)
    labels = train_folder / "labels.jsonl"
    original = labels.read_text()
    labels.write_text(original.replace("on grass", "on the grass", 1))
    try:
        assert trainer.artifact_key(handle) != key  # a changed caption is new data
    finally:
        labels.write_text(original)
    assert trainer.artifact_key(handle) == key
    # each trainer checks the columns it reads: biaug a negative caption, resample its cells,
    # pgd_at and villa label columns of two classes at least
    caption_folder(tmp_path / "captions", world.generate(3, 4, family="objects"))
    monkeypatch.chdir(tmp_path)
    build_mitigation(Spec(name="mixgen", params={"train_data": "captions"})).check_model(handle)
    with pytest.raises(DataError, match="0 rows with an image and a caption column and a "):
        build_mitigation(Spec(name="biaug", params={"train_data": "captions"})).check_model(handle)
    monkeypatch.chdir(train_folder.parent)
    with pytest.raises(DataError, match="a caption column and a group column and a colour col"):
        build_mitigation(
            Spec(name="resample", params={"train_data": "train", "label_column": "colour"})
        ).check_model(handle)
    with pytest.raises(DataError, match="single camera value"):
        build_mitigation(
            Spec(name="villa", params={"train_data": "train", "label_columns": ["label", "camera"]})
        ).check_model(handle)


def test_tuned_blocks_picks_how_many_last_blocks_train(tiny_clip):
    from vlmtrust.core.errors import ConfigError
    from vlmtrust.mitigations.trainers.training.tower_finetune import SplitTower
    from vlmtrust.models.base import resolve_model

    model = resolve_model(f"hf:{tiny_clip}").load()
    split = SplitTower(model, tuned=2)
    assert len(split.frozen) == 0 and len(split.head) == 2
    trained = {id(p) for p in split.parameters()}
    assert trained == {id(p) for p in split.tower.parameters()} - {
        id(p) for p in [*split.tower.embeddings.parameters(), *split.tower.pre_norm.parameters()]
    }
    with pytest.raises(ConfigError, match="tuned_blocks=3, but the image tower has 2 blocks"):
        SplitTower(model, tuned=3)
