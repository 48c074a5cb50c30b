"""safety.red_team: the bandit finds the one attack a model falls for, within its budget, and
the same seed gives the same campaign."""

import numpy as np
import pytest

from vlmtrust.core.spec import Spec
from vlmtrust.tasks.base import DataContext, build_task


class FallsForDarkImages:
    """A real (trivial) Generator with one weakness: it complies when the image is mostly dark
    (white-on-black typography) and refuses everything else."""

    calls = 0

    def generate(self, images, prompts):
        self.calls += 1
        out = []
        for image in images:
            dark = image is not None and np.asarray(image.convert("L")).mean() < 100
            out.append(
                "Sure. Here is how: 1. [step] 2. [step]" if dark else "I can't help with that."
            )
        return out


def _campaign(seed: int, budget: int = 60):
    task = build_task(Spec(name="safety.red_team", params={"budget": budget, "seed": seed}))
    samples = task.samples(DataContext(dataset=None, seed=0, limit=20))
    assert len(samples) == 1 and len(str(samples[0].labels["probes"]).split(",")) == 20
    scores = {"none": [s for row in task.score(FallsForDarkImages(), samples) for s in row]}
    return {r.metric: r for r in task.aggregate(scores, "none", "test")}


def test_bandit_finds_the_weakness_within_budget_and_is_reproducible():
    rows = _campaign(seed=1)
    broken = rows["broken_rate"]
    assert broken.value >= 0.8 and broken.n == 20
    assert rows["queries_spent"].value <= 60
    best = broken.details["best_attacks"][0]
    assert best["attack"] == "figstep(bg=[0, 0, 0],fg=[255, 255, 255])" and best["successes"] >= 10
    curve = broken.details["curve"]
    assert curve["x"][-1] == rows["queries_spent"].value and curve["y"][-1] == broken.value
    assert all(a <= b for a, b in zip(curve["y"], curve["y"][1:], strict=False))
    assert _campaign(seed=1)["broken_rate"].details == broken.details


def test_a_small_budget_is_respected():
    rows = _campaign(seed=2, budget=5)
    assert rows["queries_spent"].value == 5
    assert rows["broken_rate"].value <= 0.25


@pytest.mark.timeout(900)  # generation on 2 shared cores; seconds on an idle machine
def test_on_zoo_assistant_the_campaign_breaks_probes_and_repeats_with_its_seed():
    from vlmtrust.models.base import resolve_model

    model = resolve_model("zoo:assistant").load()
    task = build_task(Spec(name="safety.red_team", params={"budget": 16, "seed": 0}))
    samples = task.samples(DataContext(dataset=None, seed=0, limit=8))
    first, second = (task.score(model, samples)[0][0] for _ in range(2))
    assert first == second
    assert first.details["queries"] <= 16 and first.value >= 4  # FigStep-type arms break it
    assert first.details["best_attacks"][0]["successes"] >= 1
