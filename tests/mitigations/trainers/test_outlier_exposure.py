"""``outlier_exposure`` on the real zoo:clip: the tile mosaics and the uniform loss by hand, a
seeded two-step smoke fit, then one fine-tune per session (default spec) judged by the planted
OOD flaw it is for: zoo:clip ranks unfamiliar scenes as *more* familiar (AUROC below 0.5), and
after the fine-tune every detector ranks them better, at no in-distribution accuracy cost."""

import math

import pytest
import torch
from vlmtrust_testing import (
    cached_card,
    caption_folder,
    hf_zero_shot,
    run_task_directly,
    scan_trains_once,
)

from vlmtrust.core.errors import CapabilityError
from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.mitigations.trainers.outlier_exposure import tile_mosaics, uniform_cross_entropy
from vlmtrust.models.base import resolve_model


def test_mosaics_are_made_of_the_training_images_tiles():
    pixels = torch.arange(2 * 3 * 8 * 8, dtype=torch.float32).reshape(2, 3, 8, 8)
    made = tile_mosaics(pixels, 5, 4, torch.Generator().manual_seed(0))
    assert made.shape == (5, 3, 8, 8)
    tiles = {
        tuple(pixels[i, :, r : r + 4, c : c + 4].flatten().tolist())
        for i in range(2)
        for r in (0, 4)
        for c in (0, 4)
    }
    for image in made:
        for r in (0, 4):
            for c in (0, 4):
                assert tuple(image[:, r : r + 4, c : c + 4].flatten().tolist()) in tiles
    again = tile_mosaics(pixels, 5, 4, torch.Generator().manual_seed(0))
    assert torch.equal(made, again)
    assert not torch.equal(made, tile_mosaics(pixels, 5, 4, torch.Generator().manual_seed(1)))


def test_uniform_cross_entropy_is_smallest_for_flat_predictions():
    flat = torch.zeros(3, 8)
    peaked = torch.tensor([[9.0, 0, 0, 0, 0, 0, 0, 0]]).expand(3, 8)
    assert math.isclose(float(uniform_cross_entropy(flat)), math.log(8), rel_tol=1e-6)
    assert float(uniform_cross_entropy(peaked)) > math.log(8) + 1


@pytest.fixture(scope="module")
def clip():
    return resolve_model("zoo:clip").load()


def test_a_two_step_fit_changes_the_tower_and_reports_both_losses(clip):
    spec = Spec(name="outlier_exposure", params={"steps": 2, "objects": 40, "people": 0})
    tuned = build_mitigation(spec).wrap(clip)
    assert tuned.card["outlier_mosaics"] == 800 and tuned.card["replay_scenes"] == 40
    assert tuned.card["final_outlier_loss"] >= math.log(8) - 1e-3
    before = clip.module("image_tower").state_dict()
    after = tuned.module("image_tower").state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)


def test_a_generator_is_refused_before_training():
    with pytest.raises(CapabilityError, match="offers no 'image_tower' to tune"):
        build_mitigation(Spec(name="outlier_exposure")).check_model(resolve_model("zoo:assistant"))


def test_outlier_exposure_trains_an_hf_clip_from_train_data_once(
    tmp_path, tiny_clip, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)  # files named in specs must be under the working dir
    caption_folder(tmp_path / "train", world.generate(32, 12, family="objects"))
    mitigation = 'outlier_exposure:train_data="train",outliers=16,steps=2,batch_size=4'
    rows = scan_trains_once(hf_zero_shot(tiny_clip, tmp_path, mitigation), capsys)
    assert {r.mitigation.split("(")[0] for r in rows} == {"none", "outlier_exposure"}
    card = cached_card(f"hf:{tiny_clip}", mitigation)
    assert card["train_rows"] == 12 and card["outlier_mosaics"] == 16


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_outlier_exposure_turns_the_planted_ood_ranking_around(clip):
    tuned = build_mitigation(Spec(name="outlier_exposure")).wrap(clip)
    params = {"resamples": 200}
    base = {r.metric: r for r in run_task_directly("robustness.ood", clip, params)}
    after = {r.metric: r for r in run_task_directly("robustness.ood", tuned, params)}
    for detector in ("msp", "max_logit", "energy", "mcm"):
        row = f"auroc_{detector}"
        assert base[row].value < 0.5 < after[row].value, row
    assert after["auroc_msp"].value >= 0.9 and after["auroc_mcm"].value >= 0.9
    calibration = {"resamples": 200}
    base_cal = {r.metric: r for r in run_task_directly("robustness.calibration", clip, calibration)}
    after_cal = {
        r.metric: r for r in run_task_directly("robustness.calibration", tuned, calibration)
    }
    assert after_cal["ece_out"].ci_high < base_cal["ece_out"].ci_low
    assert after_cal["accuracy_in"].value >= base_cal["accuracy_in"].value - 0.02
