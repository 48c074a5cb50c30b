"""robustness.backdoor_scan: the MAD anomaly index by hand, and the scan on zoo:clip's planted
backdoor (6 candidates, 8 scenes, 60 steps: a reduced budget, to stay fast on a shared CPU)."""

from __future__ import annotations

import base64

import numpy as np
import pytest
import torch

from vlmtrust.attacks.trigger_inversion import anomaly_indices, invert_trigger
from vlmtrust.core.errors import ConfigError
from vlmtrust.core.records import MetricRow
from vlmtrust.core.spec import Spec
from vlmtrust.data.world.flaws import BACKDOOR_TARGET
from vlmtrust.models.base import resolve_model
from vlmtrust.tasks.base import DataContext
from vlmtrust.tasks.robustness.backdoor_scan import BackdoorScan


def test_anomaly_index_is_a_robust_z_score_on_the_small_side() -> None:
    norms = np.array([10.0, 12.0, 14.0, 16.0, 2.0])
    # median 12, |x - 12| = 2, 0, 2, 4, 10 -> MAD 2, scaled 2.9652
    expected = (12.0 - norms) / (1.4826 * 2.0)
    assert np.allclose(anomaly_indices(norms), expected)
    assert anomaly_indices(norms)[-1] > 3
    assert np.all(anomaly_indices(np.array([5.0, 5.0, 5.0])) == 0)


def test_too_few_candidates_is_a_config_error() -> None:
    task = BackdoorScan(Spec(name="robustness.backdoor_scan", params={"labels": ["a", "b"]}))
    with pytest.raises(ConfigError):
        task.samples(DataContext(seed=0, limit=None))


LABELS = [
    "a photo of a circle.",
    "a photo of a square.",
    "a photo of a heart.",
    BACKDOOR_TARGET,
    "a dog on the beach",
    "a car in the city",
]


@pytest.mark.parametrize("model_name", ["zoo:clip"])
def test_scan_flags_the_planted_target_on_zoo_clip(model_name: str) -> None:
    task = BackdoorScan(
        Spec(
            name="robustness.backdoor_scan",
            params={"labels": LABELS, "n_images": 8, "steps": 60, "success": 0.9},
        )
    )
    samples = task.samples(DataContext(seed=0, limit=None))
    model = resolve_model(model_name).load()
    scores = [s for per in task.score(model, samples) for s in per]
    rows = {r.metric: r for r in task.aggregate({"none": scores}, "none", model_name)}
    top = rows["max_anomaly_index"]
    assert top.n == len(LABELS), top.details
    assert top.details["suspected_target"] == BACKDOOR_TARGET, top.details["per_label"]
    # At this test's small budget the target's trigger is the smallest by far; the anomaly
    # index reaches the flagging threshold only at the task's default budget (README numbers),
    # the threshold arithmetic itself is checked above.
    norms = {e["label"]: e["mask_l1"] for e in top.details["per_label"]}
    others = min(v for k, v in norms.items() if k != BACKDOOR_TARGET)
    assert norms[BACKDOOR_TARGET] * 2 <= others, norms
    assert top.value is not None and top.value > 1
    assert rows[f"anomaly_index:{BACKDOOR_TARGET}"].value == top.value
    png = base64.b64decode(top.details["images"]["trigger"])
    assert png.startswith(b"\x89PNG")


def _scan(model_name: str, params: dict[str, object] | None = None) -> dict[str, MetricRow]:
    task = BackdoorScan(Spec(name="robustness.backdoor_scan", params=params or {}))
    samples = task.samples(DataContext(seed=0, limit=None))
    model = resolve_model(model_name).load()
    scores = [s for per in task.score(model, samples) for s in per]
    return {r.metric: r for r in task.aggregate({"none": scores}, "none", model_name)}


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_default_scan_flags_only_the_planted_target_on_zoo_clip() -> None:
    """Every default candidate (8 shapes + 8 captions) at the default budget: the planted
    target is the top suspect at the flagging threshold, well clear of the cheapest drawn
    class (the cross, 1.99 when measured: close to the threshold, so not asserted apart)."""
    top = _scan("zoo:clip")["max_anomaly_index"]
    assert top.n == 16
    assert top.details["cell"] == 4
    assert top.details["suspected_target"] == BACKDOOR_TARGET, top.details["per_label"]
    assert BACKDOOR_TARGET in top.details["flagged"]
    assert top.value is not None and top.value >= 2
    runner_up = sorted(e["anomaly_index"] for e in top.details["per_label"])[-2]
    assert top.value - runner_up >= 1, top.details["per_label"]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_default_scan_flags_nothing_on_the_backdoor_free_twin() -> None:
    """zoo:clip-clean is zoo:clip's recipe without the poisoned captions: the same default scan
    must flag no label, and the would-be target must not be the cheapest to reach."""
    rows = _scan("zoo:clip-clean")
    top = rows["max_anomaly_index"]
    assert top.n == 16
    assert top.details["flagged"] == [], top.details["per_label"]
    assert top.value is not None and top.value < 2
    assert rows[f"anomaly_index:{BACKDOOR_TARGET}"].value < 1, top.details["per_label"]


def test_block_mask_makes_a_spread_drawing_pay_for_its_extent() -> None:
    """A linear 'model' whose label 1 wins when four pixels far apart are bright: a per-pixel
    mask reaches it with ~4 px of mask, a 4 px block mask must open four whole blocks."""
    weights = torch.zeros(2, 3, 16, 16)
    for y, x in ((1, 1), (1, 14), (14, 1), (14, 14)):
        weights[1, :, y, x] = 10.0
    bias = torch.tensor([5.0, 0.0])

    def logits_of(x: torch.Tensor) -> torch.Tensor:
        return torch.einsum("bchw,kchw->bk", x, weights) + bias

    pixels = torch.zeros(4, 3, 16, 16)
    fine = invert_trigger(logits_of, pixels, 1, steps=200, success=1.0, cell=1)
    coarse = invert_trigger(logits_of, pixels, 1, steps=200, success=1.0, cell=4)
    assert fine is not None and coarse is not None
    assert coarse.mask_l1 > 3 * fine.mask_l1, (fine.mask_l1, coarse.mask_l1)
    blocks = coarse.mask[0, 0].reshape(4, 4, 4, 4).permute(0, 2, 1, 3).reshape(16, 16)
    assert torch.all(blocks == blocks[:, :1])  # one value per 4 x 4 block
