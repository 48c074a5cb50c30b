"""``pgd_at`` on the real zoo:clip: the joint-label cross-entropy by hand, a tiny spec's caching,
then the default spec (trained once per session) judged by a real scan: robust accuracy at 2/255
up by >= 20 points at <= 5 points of clean accuracy, and ECE in/out before -> after."""

import pytest
import torch
from adversarial_finetune_scan import ROBUST, adversarial_rows, calibration_rows

from vlmtrust.core.spec import Spec
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.mitigations.trainers.pgd_at import joint_logits, joint_target
from vlmtrust.models.base import resolve_model


def test_joint_cross_entropy_is_the_sum_of_the_label_cross_entropies():
    shape = torch.tensor([[2.0, 0.0, -1.0], [0.5, 0.5, 3.0]])
    colour = torch.tensor([[1.0, -2.0], [0.0, 4.0]])
    y_shape, y_colour = torch.tensor([0, 2]), torch.tensor([1, 0])
    joint = joint_logits([shape, colour])
    assert joint.shape == (2, 6)
    assert float(joint[0, 1]) == pytest.approx(2.0 - 2.0)  # shape 0 + colour 1, row-major
    target = joint_target([y_shape, y_colour], [3, 2])
    assert target.tolist() == [1, 4]
    ce = torch.nn.functional.cross_entropy
    separate = ce(shape, y_shape, reduction="none") + ce(colour, y_colour, reduction="none")
    assert torch.allclose(ce(joint, target, reduction="none"), separate)


@pytest.fixture(scope="module")
def clip():
    return resolve_model("zoo:clip").load()


def test_a_tiny_spec_trains_the_head_only_and_is_reused(clip, capsys):
    spec = Spec(name="pgd_at", params={"objects": 8, "steps": 2, "batch_size": 4})
    tuned = build_mitigation(spec).wrap(clip)
    assert "training pgd_at" in capsys.readouterr().err
    again = build_mitigation(spec).wrap(clip)
    assert "training" not in capsys.readouterr().err  # a cache hit: loaded, not retrained
    assert again.card == tuned.card
    assert torch.equal(again.tower.project.weight, tuned.tower.project.weight)
    base, new = clip.tower.state_dict(), tuned.tower.state_dict()
    changed = {k for k in base if not torch.equal(base[k], new[k])}
    assert changed and all(k.startswith(("features.5.", "project.")) for k in changed)
    assert clip.tower is not tuned.tower


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_pgd_at_raises_robust_accuracy_at_2_255_by_20_points(tmp_path):
    rows = adversarial_rows(tmp_path / "adv", "pgd_at")
    robust_before = rows[(ROBUST, "none", "accuracy")]["value"]
    robust_after = rows[(ROBUST, "pgd_at", "accuracy")]["value"]
    clean_before = rows[("none", "none", "accuracy")]["value"]
    clean_after = rows[("none", "pgd_at", "accuracy")]["value"]
    assert rows[(ROBUST, "pgd_at", "accuracy")]["n"] == rows[(ROBUST, "none", "accuracy")]["n"]
    assert robust_after >= robust_before + 0.20
    assert clean_after >= clean_before - 0.05


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_calibration_scan_reports_ece_in_and_out_for_pgd_at(tmp_path):
    rows = calibration_rows(tmp_path / "cal", "pgd_at")
    for variant in ("none", "pgd_at"):
        for metric in ("ece_in", "ece_out"):
            assert rows[("none", variant, metric)]["value"] is not None
            assert rows[("none", variant, metric)]["n"] > 0
