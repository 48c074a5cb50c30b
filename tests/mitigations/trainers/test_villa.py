"""``villa`` on the real zoo:clip: its worst-case embedding perturbations checked against
``embedding_attack.breaking_radii`` (the closed form the scan measures), then the default spec
(trained once per session) judged by a real scan: robust accuracy at 2/255 (pixel PGD) up by
>= 20 points at <= 5 points of clean accuracy, and ECE in/out before -> after."""

import numpy as np
import pytest
import torch
from adversarial_finetune_scan import ROBUST, adversarial_rows, calibration_rows

from vlmtrust.core.spec import Spec
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.mitigations.trainers.villa import worst_image_shift, worst_text_logits
from vlmtrust.models.base import resolve_model
from vlmtrust.tasks.robustness.embedding_attack import breaking_radii


def _unit(x: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.normalize(x, dim=-1)


@pytest.fixture
def embeddings():
    generator = torch.Generator().manual_seed(0)
    bank = _unit(torch.randn(5, 16, generator=generator, dtype=torch.float64))
    truth = torch.arange(40) % 5
    noise = torch.randn(40, 16, generator=generator, dtype=torch.float64)
    images = _unit(bank[truth] + 0.4 * noise)
    return images, bank, truth


def test_the_image_shift_flips_a_sample_exactly_at_its_breaking_radius(embeddings):
    images, bank, truth = embeddings
    image_r, _ = breaking_radii(images.numpy(), bank.numpy(), truth.numpy())
    kept = image_r > 0
    assert kept.sum() >= 20  # most samples start correct, so the check has something to flip
    for factor, survives in ((0.999, True), (1.001, False)):
        radius = torch.from_numpy(image_r * factor)[:, None]
        unit_shift = worst_image_shift(images, bank, truth, 1.0)
        moved = (images + radius * unit_shift) @ bank.T
        correct = (moved.argmax(1) == truth).numpy()
        assert (correct[kept] == survives).all()
    shift = worst_image_shift(images, bank, truth, 0.3)
    assert torch.allclose(shift.norm(dim=1), torch.full((40,), 0.3, dtype=torch.float64))


def test_the_text_worst_case_breaks_a_sample_exactly_at_its_breaking_radius(embeddings):
    images, bank, truth = embeddings
    _, text_r = breaking_radii(images.numpy(), bank.numpy(), truth.numpy())
    kept = text_r > 0
    for factor, survives in ((0.999, True), (1.001, False)):
        cosines = images @ bank.T
        logits = torch.stack(
            [
                worst_text_logits(cosines[i : i + 1], truth[i : i + 1], float(r * factor), 2.0)[0]
                for i, r in enumerate(text_r)
            ]
        )
        correct = (logits.argmax(1) == truth).numpy()
        assert (correct[kept] == survives).all()
    by_hand = worst_text_logits(torch.tensor([[0.5, 0.2]]), torch.tensor([0]), 0.1, 10.0)
    assert torch.allclose(by_hand, torch.tensor([[4.0, 3.0]]))
    assert np.isfinite(text_r).all()


def test_a_tiny_spec_with_both_sides_trains_the_head_only():
    clip = resolve_model("zoo:clip").load()
    params = {"objects": 8, "steps": 3, "batch_size": 4, "text_radius": 0.1, "lr": 1e-2}
    tuned = build_mitigation(Spec(name="villa", params=params)).wrap(clip)
    base, new = clip.tower.state_dict(), tuned.tower.state_dict()
    changed = {k for k in base if not torch.equal(base[k], new[k])}
    assert changed and all(k.startswith(("features.5.", "project.")) for k in changed)
    assert np.isfinite(tuned.card["final_kl_loss"])


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_villa_raises_robust_accuracy_at_2_255_by_20_points(tmp_path):
    rows = adversarial_rows(tmp_path / "adv", "villa")
    robust_before = rows[(ROBUST, "none", "accuracy")]["value"]
    robust_after = rows[(ROBUST, "villa", "accuracy")]["value"]
    clean_before = rows[("none", "none", "accuracy")]["value"]
    clean_after = rows[("none", "villa", "accuracy")]["value"]
    assert rows[(ROBUST, "villa", "accuracy")]["n"] == rows[(ROBUST, "none", "accuracy")]["n"]
    assert robust_after >= robust_before + 0.20
    assert clean_after >= clean_before - 0.05


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_calibration_scan_reports_ece_in_and_out_for_villa(tmp_path):
    rows = calibration_rows(tmp_path / "cal", "villa")
    for variant in ("none", "villa"):
        for metric in ("ece_in", "ece_out"):
            assert rows[("none", variant, metric)]["value"] is not None
            assert rows[("none", variant, metric)]["n"] > 0
