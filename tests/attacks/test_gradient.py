"""PGD/FGSM on the real zoo:clip, cross-checked against the Adversarial Robustness Toolbox."""

import numpy as np
import pytest
import torch
from art.attacks.evasion import ProjectedGradientDescent
from art.estimators.classification import PyTorchClassifier

from vlmtrust.attacks.base import build_attack
from vlmtrust.attacks.gradient import TARGET_LABEL, perturb
from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.models.base import resolve_model
from vlmtrust.runner import run

PROMPTS = [f"a photo of a {s}." for s in world.SHAPES]


@pytest.fixture(scope="module")
def clip():
    return resolve_model("zoo:clip").load()


@pytest.fixture(scope="module")
def batch(clip):
    scenes = world.generate(77, 60)
    pixels = clip.to_pixels([s.load_image() for s in scenes])
    truth = torch.tensor([world.SHAPES.index(s.labels["shape"]) for s in scenes])
    return scenes, pixels, truth


class _Head(torch.nn.Module):
    def __init__(self, clip):
        super().__init__()
        self.clip = clip

    def forward(self, x):
        return self.clip.pixel_logits(x, PROMPTS)


def _success(clip, pixels, truth) -> float:
    with torch.no_grad():
        return float((clip.pixel_logits(pixels, PROMPTS).argmax(1) != truth).float().mean())


# both attacks at full budget on zoo:clip: the slow tail (rule 8)
@pytest.mark.slow
def test_our_pgd_agrees_with_art_on_the_same_model_and_budget(clip, batch):
    _, pixels, truth = batch
    eps, steps, step = 2 / 255, 10, 0.5 / 255
    ours = perturb(
        lambda x: clip.pixel_logits(x, PROMPTS),
        pixels,
        truth,
        eps=eps,
        steps=steps,
        step_size=step,
        norm="linf",
        targeted=False,
    )
    classifier = PyTorchClassifier(
        model=_Head(clip),
        loss=torch.nn.CrossEntropyLoss(),
        input_shape=(3, 64, 64),
        nb_classes=len(PROMPTS),
        clip_values=(0.0, 1.0),
    )
    art_pgd = ProjectedGradientDescent(
        classifier,
        norm=np.inf,
        eps=eps,
        eps_step=step,
        max_iter=steps,
        num_random_init=0,
        batch_size=100,
        verbose=False,
    )
    theirs = torch.from_numpy(art_pgd.generate(x=pixels.numpy()))
    ours_rate, art_rate = _success(clip, ours, truth), _success(clip, theirs, truth)
    assert 0.1 < ours_rate < 1.0  # a budget where the attack is neither trivial nor useless
    assert abs(ours_rate - art_rate) <= 0.03
    assert float((ours - pixels).abs().max()) <= eps + 1e-6


def test_l2_attack_stays_in_its_ball_and_targeted_hits_targets(clip, batch):
    _, pixels, truth = batch
    adv = perturb(
        lambda x: clip.pixel_logits(x, PROMPTS),
        pixels,
        truth,
        eps=0.5,
        steps=5,
        step_size=0.25,
        norm="l2",
        targeted=False,
    )
    assert float((adv - pixels).flatten(1).norm(dim=1).max()) <= 0.5 + 1e-4
    scenes, _, _ = batch
    attack = build_attack(Spec(name="pgd", params={"eps": 8 / 255, "targeted": True}))
    attacked = attack.apply_batch(scenes[:12], clip)
    predicted = clip.classify([s.load_image() for s in attacked], PROMPTS).argmax(1)
    hits = [
        world.SHAPES[p] == s.labels[TARGET_LABEL] for p, s in zip(predicted, attacked, strict=True)
    ]
    assert np.mean(hits) >= 0.5
    # deterministic for the same batch (a different batch size may change the last bit of a
    # gradient and so a pixel: float arithmetic, documented)
    assert [s.image for s in attacked] == [s.image for s in attack.apply_batch(scenes[:12], clip)]


def test_pgd_at_4_of_255_breaks_zoo_clip(tmp_path):
    task = Spec(name="robustness.adversarial", params={"n": 30, "budgets": [4 / 255]})
    summary = run(RunConfig(model="zoo:clip", tasks=(task,), out=tmp_path, show_progress=False))
    rows = {(r.attack, r.metric): r for r in summary.metrics}
    assert rows[("none", "accuracy")].value >= 0.9
    assert rows[("pgd(eps=4/255)", "accuracy")].value <= 0.1


def test_gradient_attacks_are_refused_for_a_remote_generator(tmp_path):
    from vlmtrust.core.errors import CapabilityError

    task = Spec(name="robustness.adversarial", params={"n": 2})
    with pytest.raises(CapabilityError, match=r"robustness\.adversarial"):
        run(RunConfig(model="openai:http://127.0.0.1:9/v1#x", tasks=(task,), out=tmp_path))
