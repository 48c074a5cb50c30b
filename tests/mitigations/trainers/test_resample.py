"""``resample`` on the real zoo:clip: the cell weights by hand, then one fine-tune per session
(default spec, ~15 s) judged by retrieval skew, zero-shot accuracy and a calibration scan."""

import pytest
import torch
from vlmtrust_testing import run_task_directly

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.mitigations.trainers.resample import cell_weights
from vlmtrust.models.base import resolve_model
from vlmtrust.runner import run

SKEW = "fairness.retrieval_skew"


def test_cells_are_drawn_by_error_rate():
    correct = torch.tensor([True, True, True, False, True, False])
    cells = torch.tensor([0, 0, 0, 0, 1, 1])
    w = cell_weights(correct, cells, floor=0.0)
    # cell 0 errs 1/4, cell 1 errs 1/2: cell 1 gets twice cell 0's mass, split between members
    assert float(w[:4].sum()) == pytest.approx(1 / 3)
    assert float(w[4:].sum()) == pytest.approx(2 / 3)
    assert float(w[4]) == pytest.approx(float(w[5]))
    perfect = cell_weights(torch.tensor([True, True]), torch.tensor([0, 1]), floor=0.05)
    assert float(perfect[0]) == pytest.approx(0.5)  # the floor keeps error-free cells drawn


@pytest.fixture(scope="module")
def clip():
    return resolve_model("zoo:clip").load()


@pytest.fixture(scope="module")
def tuned(clip):
    return build_mitigation(Spec(name="resample")).wrap(clip)


# trains resample with its default spec once for the module: the slow tail (rule 8)
@pytest.mark.slow
def test_resample_halves_retrieval_skew_at_little_accuracy_cost(clip, tuned):
    from vlmtrust.data.world.twins import twin_samples

    twins = twin_samples(0, 500)
    base = {r.metric: r for r in run_task_directly(SKEW, clip, samples=twins)}
    after = {r.metric: r for r in run_task_directly(SKEW, tuned, samples=twins)}
    assert after["maxskew@10"].value <= base["maxskew@10"].value / 2
    assert base["accuracy"].value - after["accuracy"].value <= 0.03
    cells = tuned.card["base_accuracy_by_cell"]
    assert len(cells) == 8  # 2 groups x 4 occupations, as measured before fine-tuning
    assert cells["B:doctor"] < cells["A:doctor"]  # the planted bias, seen in the weights
    assert clip.tower is not tuned.tower  # the base model is left as it was


# trains resample with its default spec once for the module: the slow tail (rule 8)
@pytest.mark.slow
def test_calibration_scan_reports_ece_in_and_out_for_resample(tmp_path, tuned):
    task = Spec(name="robustness.calibration", params={"n_in": 60, "n_out": 30, "resamples": 100})
    config = RunConfig(
        model="zoo:clip",
        tasks=(task,),
        mitigations=("resample",),
        out=tmp_path,
        show_progress=False,
    )
    rows = {(r.mitigation, r.metric): r for r in run(config).metrics}
    for variant in ("none", "resample"):
        for metric in ("ece_in", "ece_out"):
            assert rows[(variant, metric)].value is not None
            assert rows[(variant, metric)].n > 0
    assert rows[("resample", "accuracy_in")].value >= rows[("none", "accuracy_in")].value - 0.05
