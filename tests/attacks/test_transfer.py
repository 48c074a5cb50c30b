"""``pgd_transfer`` and ``robustness.adversarial:transfer_from``: images crafted on zoo:clip,
scored on zoo:clip-fair (n=20)."""

from __future__ import annotations

import pytest
from vlmtrust_testing import run_task_directly

from vlmtrust.attacks.base import build_attack
from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.models.base import resolve_model


def test_transfer_images_are_the_source_models_pgd_images() -> None:
    samples = world.generate(0, 4)
    source = resolve_model("zoo:clip").load()
    fair = resolve_model("zoo:clip-fair").load()
    params = {"eps": 4 / 255, "steps": 3}
    white_box = build_attack(Spec(name="pgd", params=params)).apply_batch(samples, source)
    transfer = build_attack(Spec(name="pgd_transfer", params={**params, "source": "zoo:clip"}))
    crafted = transfer.apply_batch(samples, fair)  # the victim's gradients are never used
    assert [s.image for s in crafted] == [s.image for s in white_box]
    assert transfer.apply(samples[1]).image == white_box[1].image  # one at a time, no victim
    assert transfer.label == 'pgd_transfer(eps=4/255,source="zoo:clip",steps=3)'
    with pytest.raises(ConfigError):
        build_attack(Spec(name="pgd_transfer")).apply_batch(samples, fair)


def test_attacks_crafted_on_zoo_clip_transfer_to_its_fair_twin() -> None:
    fair = resolve_model("zoo:clip-fair").load()
    params = {"n": 20, "budgets": [8 / 255], "transfer_from": "zoo:clip"}
    rows = {
        (r.attack, r.metric): r for r in run_task_directly("robustness.adversarial", fair, params)
    }
    assert rows[("none", "accuracy")].value >= 0.9
    attacked = rows[('pgd_transfer(eps=8/255,source="zoo:clip")', "accuracy")]
    assert attacked.n == 20
    assert attacked.value is not None and attacked.value <= 0.2, attacked
