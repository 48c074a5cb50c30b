"""``mixgen`` on the real zoo:clip: the two MixGen halves by hand, then one fine-tune per session
(default spec) judged by corruption error, clean accuracy and a calibration scan."""

import pytest
import torch
from vlmtrust_testing import run_task_directly

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.mitigations.trainers.mixgen import mix_captions, mix_images
from vlmtrust.models.base import resolve_model
from vlmtrust.runner import run


def test_mixgen_interpolates_images_and_concatenates_captions():
    a, b = torch.zeros(1, 3, 2, 2), torch.ones(1, 3, 2, 2)
    assert torch.allclose(mix_images(a, b, 0.5), torch.full((1, 3, 2, 2), 0.5))
    assert torch.allclose(mix_images(a, b, 0.75), torch.full((1, 3, 2, 2), 0.25))
    assert mix_captions("a red circle on grass", "two blue squares on sand") == (
        "a red circle on grass two blue squares on sand"
    )


@pytest.fixture(scope="module")
def clip():
    return resolve_model("zoo:clip").load()


@pytest.fixture(scope="module")
def tuned(clip):
    return build_mitigation(Spec(name="mixgen")).wrap(clip)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_mixgen_cuts_corruption_error_at_no_clean_cost(clip, tuned):
    params = {"n": 200}
    base = {
        (r.attack, r.metric): r for r in run_task_directly("robustness.zero_shot", clip, params)
    }
    after = {
        (r.attack, r.metric): r for r in run_task_directly("robustness.zero_shot", tuned, params)
    }
    mce = ("all_corruptions", "mce")
    assert after[mce].value <= base[mce].value - 0.10
    assert after[mce].ci_high < base[mce].ci_low  # the intervals separate
    clean = ("none", "accuracy")
    assert base[clean].value - after[clean].value <= 0.03
    assert tuned.card["mixgen_pairs"] == 500


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_calibration_scan_reports_ece_in_and_out_for_mixgen(tmp_path, tuned):
    task = Spec(name="robustness.calibration", params={"n_in": 60, "n_out": 30, "resamples": 100})
    config = RunConfig(
        model="zoo:clip", tasks=(task,), mitigations=("mixgen",), out=tmp_path, show_progress=False
    )
    rows = {(r.mitigation, r.metric): r for r in run(config).metrics}
    for variant in ("none", "mixgen"):
        for metric in ("ece_in", "ece_out"):
            assert rows[(variant, metric)].value is not None
            assert rows[(variant, metric)].n > 0
    assert rows[("mixgen", "accuracy_in")].value >= rows[("none", "accuracy_in")].value - 0.05
