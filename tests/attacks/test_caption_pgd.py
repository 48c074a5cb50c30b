"""``pgd_caption`` on the real zoo:assistant: it raises the target answer's log-likelihood and
stays inside its L-inf budget."""

from __future__ import annotations

import torch

from vlmtrust.attacks.base import build_attack
from vlmtrust.attacks.caption_pgd import DEFAULT_TARGET, TARGET_LABEL
from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.models.base import resolve_model


def test_caption_pgd_raises_the_target_likelihood_within_budget() -> None:
    model = resolve_model("zoo:assistant").load()
    samples = world.generate(0, 4)
    eps = 8 / 255
    attack = build_attack(Spec(name="pgd_caption", params={"eps": eps, "steps": 5}))
    attacked = attack.apply_batch(samples, model)
    clean = model.to_pixels([s.load_image() for s in samples])
    adversarial = model.to_pixels([s.load_image() for s in attacked])
    # quantised to 8 bits after projection: at most half a level past the budget
    assert float((adversarial - clean).abs().max()) <= eps + 0.5 / 255 + 1e-6
    with torch.no_grad():
        before = model.pixel_logits(clean, [DEFAULT_TARGET])[:, 0]
        after = model.pixel_logits(adversarial, [DEFAULT_TARGET])[:, 0]
    assert bool((after > before).all()), (before, after)
    assert all(s.labels[TARGET_LABEL] == DEFAULT_TARGET for s in attacked)
    assert attack.label == "pgd_caption(eps=8/255,steps=5)"
