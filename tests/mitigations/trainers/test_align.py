"""``align`` on the real zoo:clip: the gap loss by hand, then one fine-tune of the image projection
per session (default spec) judged by the modality gap, zero-shot accuracy and a calibration scan."""

import pytest
import torch
from vlmtrust_testing import run_task_directly

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.mitigations.trainers.align import centroid_gap_loss
from vlmtrust.models.base import resolve_model
from vlmtrust.runner import run

GAP = "robustness.modality_gap"
CLEAN = {"n": 200, "corruptions": []}


def test_gap_loss_is_the_squared_centroid_distance():
    images = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    texts = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    # centroids (0.5, 0.5) and (1, 0): squared distance 0.25 + 0.25
    assert float(centroid_gap_loss(images, texts)) == pytest.approx(0.5)
    assert float(centroid_gap_loss(texts, texts)) == 0.0


@pytest.fixture(scope="module")
def clip():
    return resolve_model("zoo:clip").load()


@pytest.fixture(scope="module")
def tuned(clip):
    return build_mitigation(Spec(name="align")).wrap(clip)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_align_halves_the_modality_gap_at_little_accuracy_cost(clip, tuned):
    base = {r.metric: r for r in run_task_directly(GAP, clip)}
    after = {r.metric: r for r in run_task_directly(GAP, tuned)}
    assert after["centroid_gap"].value <= base["centroid_gap"].value / 2
    assert after["mean_pair_cosine"].value > base["mean_pair_cosine"].ci_high
    clean = {r.attack: r for r in run_task_directly("robustness.zero_shot", clip, CLEAN)}
    clean_after = {r.attack: r for r in run_task_directly("robustness.zero_shot", tuned, CLEAN)}
    assert clean["none"].value - clean_after["none"].value <= 0.05
    assert clip.tower is not tuned.tower  # the base model is left as it was
    # only the projection trained: every conv weight is the base model's
    tuned_state = tuned.tower.state_dict()
    for name, weight in clip.tower.state_dict().items():
        if not name.startswith("project"):
            assert torch.equal(weight, tuned_state[name]), name


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_calibration_scan_reports_ece_in_and_out_for_align(tmp_path, tuned):
    task = Spec(name="robustness.calibration", params={"n_in": 60, "n_out": 30, "resamples": 100})
    config = RunConfig(
        model="zoo:clip", tasks=(task,), mitigations=("align",), out=tmp_path, show_progress=False
    )
    rows = {(r.mitigation, r.metric): r for r in run(config).metrics}
    for variant in ("none", "align"):
        for metric in ("ece_in", "ece_out"):
            assert rows[(variant, metric)].value is not None
            assert rows[(variant, metric)].n > 0
    assert rows[("align", "accuracy_in")].value >= rows[("none", "accuracy_in")].value - 0.05
