"""The zoo:clip augmentation, alignment and class-prompt trainers on tiny specs (fast): each
trains only the layers it says it trains, leaves the base model alone, and a second wrap loads
the cached artifact instead of training again."""

import pytest
import torch

from vlmtrust.core.spec import Spec
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.models.base import resolve_model

TINY = {"objects": 24, "people": 4, "steps": 2, "batch_size": 8}
CASES = {
    "mixgen": ({**TINY, "pairs": 6}, ("features.5", "project")),
    "biaug": (TINY, ("features.5", "project")),
    "align": (TINY, ("project",)),
    "ogen": ({**TINY, "per_unknown": 2}, ("features.5", "project")),
    "anchor_finetune": ({**TINY, "aux_pool": 8, "aux": 4}, ("features.5", "project")),
}


@pytest.fixture(scope="module")
def clip():
    return resolve_model("zoo:clip").load()


@pytest.mark.parametrize("name", sorted(CASES))
def test_tiny_spec_trains_its_layers_once_and_is_cached(name, clip, capsys):
    params, trained = CASES[name]
    trainer = build_mitigation(Spec(name=name, params=params))
    before = {k: v.clone() for k, v in clip.tower.state_dict().items()}
    tuned = trainer.wrap(clip)
    assert "training" in capsys.readouterr().err
    after = tuned.tower.state_dict()
    for key, weight in before.items():
        assert torch.equal(clip.tower.state_dict()[key], weight), f"base changed: {key}"
        changed = not torch.equal(after[key], weight)
        if key.startswith(trained) and key.endswith("weight") and "running" not in key:
            assert changed, f"{name} left {key} as it was"
        elif not key.startswith(trained) or "running" in key or "num_batches" in key:
            assert not changed, f"{name} changed frozen {key}"
    again = build_mitigation(Spec(name=name, params=params)).wrap(clip)
    assert "training" not in capsys.readouterr().err  # loaded from the artifact cache
    assert again.card == tuned.card
    for key, weight in after.items():
        assert torch.equal(again.tower.state_dict()[key], weight)


def test_trainers_refuse_a_model_they_cannot_fine_tune():
    from vlmtrust.core.errors import CapabilityError

    handle = resolve_model("zoo:assistant")
    for name in CASES:
        with pytest.raises(
            CapabilityError, match=f"offers no 'image_tower' to tune, which mitigation {name}"
        ):
            build_mitigation(Spec(name=name)).check_model(handle)
