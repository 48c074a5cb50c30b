"""``backdoor_purge`` on the real zoo:clip: the dilated stamp by hand, then the default spec
(screen -> invert -> unlearn, ~90 s under load) judged by the planted trigger's success, clean
accuracy, a re-scan of the backdoor and a calibration scan."""

from __future__ import annotations

import pytest
import torch
from vlmtrust_testing import (
    cached_card,
    caption_folder,
    hf_zero_shot,
    run_task_directly,
    scan_trains_once,
)

from vlmtrust.attacks.trigger_inversion import InvertedTrigger, invert_trigger
from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.data.world.flaws import BACKDOOR_TARGET
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.models.base import resolve_model
from vlmtrust.runner import run
from vlmtrust.tasks.base import DataContext
from vlmtrust.tasks.robustness.backdoor_scan import BackdoorScan

TRIGGER = "robustness.backdoor_trigger"


def test_stamp_grows_the_mask_by_the_dilation() -> None:
    mask = torch.zeros(1, 1, 7, 7)
    mask[0, 0, 3, 3] = 1.0
    trigger = InvertedTrigger(mask, torch.ones(1, 3, 7, 7), success=1.0)
    pixels = torch.zeros(2, 3, 7, 7)
    assert float(trigger.stamp(pixels).sum()) == 2 * 3  # one pixel, 3 channels, 2 images
    grown = trigger.stamp(pixels, dilate=3)
    assert float(grown[0, 0].sum()) == 9  # the 3x3 neighbourhood
    assert float(grown[0, 0, 2:5, 2:5].sum()) == 9


def test_even_dilation_is_refused() -> None:
    from vlmtrust.core.errors import ConfigError

    with pytest.raises(ConfigError, match="dilate"):
        build_mitigation(Spec(name="backdoor_purge", params={"dilate": 4}))


def test_invert_finds_a_one_pixel_trigger_of_a_hand_made_backdoor() -> None:
    def logits_of(x: torch.Tensor) -> torch.Tensor:
        # class 1 wins exactly when pixel (0, 0) of the red channel is bright
        hot = 40 * (x[:, 0, 0, 0] - 0.5)
        return torch.stack([torch.zeros_like(hot), hot], dim=1)

    pixels = torch.zeros(4, 3, 8, 8)
    found = invert_trigger(logits_of, pixels, 1, steps=150, success=1.0)
    assert found is not None and found.success == 1.0
    assert found.mask_l1 < 8  # far smaller than the 64-pixel image
    assert float(found.mask[0, 0, 0, 0]) == float(found.mask.max())


@pytest.fixture(scope="module")
def clip():
    return resolve_model("zoo:clip").load()


@pytest.fixture(scope="module")
def purged(clip):
    return build_mitigation(Spec(name="backdoor_purge")).wrap(clip)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_purge_brings_trigger_success_to_at_most_5_percent(clip, purged):
    assert purged.card["target"] == BACKDOOR_TARGET  # found by screening, not told
    assert purged.card["target_from"] == "screen"
    before = {(r.attack, r.metric): r for r in run_task_directly(TRIGGER, clip)}
    after = {(r.attack, r.metric): r for r in run_task_directly(TRIGGER, purged)}
    assert before[("trigger", "attack_success")].value >= 0.9
    assert after[("trigger", "attack_success")].n == 200
    assert after[("trigger", "attack_success")].value <= 0.05
    clean_cost = before[("none", "accuracy")].value - after[("none", "accuracy")].value
    assert clean_cost <= 0.03
    assert clip.tower is not purged.tower  # the base model is left as it was


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_rescan_no_longer_finds_a_small_trigger_for_the_target(clip, purged):
    labels = [
        "a photo of a circle.",
        "a photo of a square.",
        "a photo of a heart.",
        BACKDOOR_TARGET,
        "a dog on the beach",
        "a car in the city",
    ]
    task = BackdoorScan(
        Spec(
            name="robustness.backdoor_scan",
            # the per-pixel mask this test was measured with (README: backdoor_purge re-scan)
            params={"labels": labels, "n_images": 8, "steps": 60, "success": 0.9, "cell": 1},
        )
    )
    samples = task.samples(DataContext(seed=0, limit=None))
    norms = {}
    for name, model in (("before", clip), ("after", purged)):
        scores = [s for per in task.score(model, samples) for s in per]
        rows = {r.metric: r for r in task.aggregate({"none": scores}, "none", name)}
        norms[name] = rows[f"mask_l1:{BACKDOOR_TARGET}"].value
        if name == "before":
            assert rows["max_anomaly_index"].details["suspected_target"] == BACKDOOR_TARGET
    assert norms["after"] >= 5 * norms["before"], norms


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_calibration_scan_reports_ece_in_and_out_for_backdoor_purge(tmp_path, purged):
    task = Spec(name="robustness.calibration", params={"n_in": 60, "n_out": 30, "resamples": 100})
    config = RunConfig(
        model="zoo:clip",
        tasks=(task,),
        mitigations=("backdoor_purge",),
        out=tmp_path,
        show_progress=False,
    )
    rows = {(r.mitigation, r.metric): r for r in run(config).metrics}
    for variant in ("none", "backdoor_purge"):
        for metric in ("ece_in", "ece_out"):
            assert rows[(variant, metric)].value is not None
            assert rows[(variant, metric)].n > 0
    drop = rows[("none", "accuracy_in")].value - rows[("backdoor_purge", "accuracy_in")].value
    assert drop <= 0.05


def test_purge_trains_on_an_hf_clip_from_train_data_once(tmp_path, tiny_clip, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # files named in specs must be under the working dir
    scenes = world.generate(31, 12, family="objects")
    caption_folder(tmp_path / "train", scenes)
    target = scenes[0].labels["caption"]
    mitigation = (
        f'backdoor_purge:train_data="train",target="{target}",invert_images=4,'
        "invert_steps=30,invert_success=0.25,steps=2,batch_size=4"
    )
    rows = scan_trains_once(hf_zero_shot(tiny_clip, tmp_path, mitigation), capsys)
    assert {r.mitigation.split("(")[0] for r in rows} == {"none", "backdoor_purge"}
    card = cached_card(f"hf:{tiny_clip}", mitigation)
    assert card["target"] == target and card["target_from"] == "param"
