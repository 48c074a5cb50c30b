"""``anchor_finetune`` on the real zoo:clip: the retrieved auxiliary pairs are the pool's nearest
to the fine-tune images, the anchors can be switched off (the plain class-prompt fine-tune), an
``hf:`` CLIP trains from ``train_data`` with a label column, and a folder without that column is
refused before the run."""

import pytest
import torch
from vlmtrust_testing import (
    cached_card,
    caption_folder,
    hf_zero_shot,
    run_task_directly,
    scan_trains_once,
)

from vlmtrust.core.errors import DataError
from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.mitigations.trainers.anchor_finetune import AnchorFinetune
from vlmtrust.mitigations.trainers.training.tower_finetune import SplitTower
from vlmtrust.models.base import resolve_model

SMALL = {"steps": 3, "objects": 24, "people": 4, "batch_size": 8, "aux_pool": 12, "aux": 5}


@pytest.fixture(scope="module")
def clip():
    return resolve_model("zoo:clip").load()


def test_the_retrieved_pairs_are_the_pools_nearest_to_the_training_images(clip):
    trainer = build_mitigation(Spec(name="anchor_finetune", params=SMALL))
    assert isinstance(trainer, AnchorFinetune)
    split = SplitTower(clip)
    mine = world.generate(5, 6, family="objects")
    early = split.early(clip.to_pixels([s.load_image() for s in mine]))
    chosen_early, captions = trainer._retrieved(clip, split, early, trainer.params)
    assert len(captions) == 5 == len(chosen_early)
    pool_pixels, pool_captions = trainer._pool(clip, trainer.params)
    with torch.no_grad():
        nearness = (split.embed(split.early(pool_pixels)) @ split.embed(early).T).max(1).values
    chosen = {pool_captions[i] for i in torch.argsort(nearness, descending=True)[:5].tolist()}
    assert set(captions) == chosen
    left_out = set(pool_captions) - chosen
    assert left_out  # the pool holds more than was retrieved


def test_without_anchors_it_is_the_plain_class_prompt_fine_tune(clip):
    plain = build_mitigation(
        Spec(name="anchor_finetune", params={**SMALL, "anchor_weight": 0, "aux_weight": 0})
    ).wrap(clip)
    anchored = build_mitigation(Spec(name="anchor_finetune", params=SMALL)).wrap(clip)
    assert plain.card["aux_pairs"] == 0 and plain.card["final_anchor_loss"] == 0
    assert anchored.card["aux_pairs"] == 5 and anchored.card["final_anchor_loss"] > 0
    weights = [m.module("image_tower").state_dict()["project.weight"] for m in (plain, anchored)]
    assert not torch.equal(*weights)


def test_a_missing_aux_data_folder_is_refused_before_the_run(tmp_path, tiny_clip, monkeypatch):
    monkeypatch.chdir(tmp_path)
    caption_folder(tmp_path / "train", world.generate(36, 4, family="objects"))
    params = {"train_data": "train", "label": "caption", "aux_data": "nowhere"}
    trainer = build_mitigation(Spec(name="anchor_finetune", params=params))
    with pytest.raises(DataError, match=r"^aux_data folder nowhere does not exist"):
        trainer.check_model(resolve_model(f"hf:{tiny_clip}"))


@pytest.mark.slow  # ogen's hf: test covers the shared data path in the default suite
def test_anchor_finetune_trains_an_hf_clip_from_train_data_once(
    tmp_path, tiny_clip, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)  # files named in specs must be under the working dir
    scenes = world.generate(34, 12, family="objects")
    caption_folder(tmp_path / "train", scenes, columns={"label": lambda i, s: s.labels["shape"]})
    mitigation = 'anchor_finetune:train_data="train",label="label",steps=2,batch_size=4'
    rows = scan_trains_once(hf_zero_shot(tiny_clip, tmp_path, mitigation), capsys)
    assert {r.mitigation.split("(")[0] for r in rows} == {"none", "anchor_finetune"}
    card = cached_card(f"hf:{tiny_clip}", mitigation)
    assert card["train_rows"] == 12 and card["aux_pairs"] == 0  # no aux_data given


def test_a_train_data_folder_without_the_label_column_is_refused(tmp_path, tiny_clip, monkeypatch):
    monkeypatch.chdir(tmp_path)
    caption_folder(tmp_path / "train", world.generate(35, 4, family="objects"))
    trainer = build_mitigation(Spec(name="anchor_finetune", params={"train_data": "train"}))
    with pytest.raises(DataError, match="shape column"):
        trainer.check_model(resolve_model(f"hf:{tiny_clip}"))


def _accuracy(model, **params):
    rows = run_task_directly("robustness.zero_shot", model, {"corruptions": [], **params})
    return next(r for r in rows if r.metric == "accuracy")


def _paired_accuracy_change(before, after, **params):
    """After - before zero-shot accuracy on the same scenes, with McNemar's exact test."""
    from vlmtrust.metrics.paired import paired_change
    from vlmtrust.tasks.base import DataContext, build_task

    task = build_task(Spec(name="robustness.zero_shot", params={"corruptions": [], **params}))
    samples = task.samples(DataContext())
    task = task.resolve(samples)
    terms = [
        task.paired_terms({"none": [s for p in task.score(m, samples) for s in p]})
        for m in (before, after)
    ]
    return paired_change(terms[0]["none", "accuracy"], terms[1]["none", "accuracy"])


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_anchors_keep_zero_shot_on_novel_shapes_that_the_plain_fine_tune_loses(clip):
    """Default spec against the plain class-prompt fine-tune (same data, steps and seed): on
    the world's ``ood`` family (shapes no zoo model was trained on, 4-way) the plain fine-tune
    falls below the base model, the anchored one does not, and the paired difference is real;
    the trained label keeps its accuracy on the in-distribution scenes."""
    anchored = build_mitigation(Spec(name="anchor_finetune")).wrap(clip)
    plain = build_mitigation(
        Spec(name="anchor_finetune", params={"anchor_weight": 0, "aux_weight": 0})
    ).wrap(clip)
    anchored_novel = _accuracy(anchored, family="ood")
    plain_novel = _accuracy(plain, family="ood")
    base_novel = _accuracy(clip, family="ood")
    assert anchored_novel.value >= base_novel.value - 0.02 > plain_novel.value
    change = _paired_accuracy_change(plain, anchored, family="ood")
    assert change is not None and change.difference >= 0.08 and change.p_value < 0.05
    assert _accuracy(anchored, family="objects").value >= 0.98
