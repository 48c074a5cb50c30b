"""privacy.attribute_inference: zoo:clip's embeddings retain the group attribute."""

import numpy as np

from vlmtrust.core.config import RunConfig
from vlmtrust.core.records import Score
from vlmtrust.core.spec import Spec
from vlmtrust.runner import run
from vlmtrust.tasks.base import build_task
from vlmtrust.tasks.privacy.attribute_inference import probe_accuracy


def test_zoo_clip_embeddings_reveal_the_group(tmp_path):
    task = Spec(name="privacy.attribute_inference", params={"n": 120})
    summary = run(RunConfig(model="zoo:clip", tasks=(task,), out=tmp_path, show_progress=False))
    rows = {r.metric: r for r in summary.metrics}
    accuracy, chance = rows["probe_accuracy"], rows["chance"]
    assert accuracy.n == 120 and 0.5 <= chance.value < 0.7
    assert accuracy.ci_low > chance.value  # above chance with its interval
    assert rows["probe_advantage"].value == accuracy.value - chance.value


def test_a_probe_on_noise_stays_at_chance():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 16))
    labels = ["a", "b"] * 100
    accuracy, details = probe_accuracy(x, labels, folds=5, seed=0)
    assert details["chance"] == 0.5
    assert accuracy.ci_low < 0.5 < accuracy.ci_high
    too_few, why = probe_accuracy(x[:6], labels[:6], folds=5, seed=0)
    assert too_few.value is None and "at least 5" in why["reason"]


def test_the_same_samples_in_any_order_give_the_same_accuracy():
    """Folds come from sample ids: shuffling the scores (as a mitigation or a resumed run may)
    must not move the number (it moved +0.007 under pbm with identical embeddings)."""
    rng = np.random.default_rng(1)
    labels = ["a", "b", "c"] * 40
    centres = {"a": 0.0, "b": 0.6, "c": 1.2}
    scores = [
        Score(
            sample_id=f"s{i:03d}",
            metric="embedding",
            value=1.0,
            label=label,
            details={"vector": (rng.normal(size=8) + centres[label]).round(5).tolist()},
        )
        for i, label in enumerate(labels)
    ]
    task = build_task(Spec(name="privacy.attribute_inference"))
    values = set()
    for seed in range(6):
        order = list(rng.permutation(len(scores))) if seed else list(range(len(scores)))
        stats = task._probe([scores[i] for i in order])
        values.add(stats["probe_accuracy"][0].value)
    assert len(values) == 1
    assert 0.4 < values.pop() < 1.0  # the probe is neither at chance nor perfect here
