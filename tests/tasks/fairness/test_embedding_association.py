"""fairness.embedding_association: WEAT and bias distance from stored similarities."""

import numpy as np
import pytest
from vlmtrust_testing import run_task_directly

from vlmtrust.core.records import Score
from vlmtrust.core.spec import Spec
from vlmtrust.metrics.fairness import weat
from vlmtrust.tasks.base import build_task

NAME = "fairness.embedding_association"


def _rows(rows):
    return {r.metric: r for r in rows}


def test_aggregate_matches_weat_on_the_embeddings():
    """Stored cosines give the same effect size as WEAT on the vectors themselves."""
    rng = np.random.default_rng(0)
    unit = lambda v: v / np.linalg.norm(v, axis=-1, keepdims=True)  # noqa: E731
    a, b, c = (
        unit(rng.normal(size=(2, 6))),
        unit(rng.normal(size=(2, 6))),
        unit(rng.normal(size=(1, 6))),
    )
    x, y = unit(rng.normal(size=(5, 6)) + a[0]), unit(rng.normal(size=(5, 6)))
    texts = np.vstack([a, b, c])
    params = {"attributes_a": ["a1", "a2"], "attributes_b": ["b1", "b2"], "concepts": ["c"]}
    task = build_task(Spec(name=NAME, params=params))
    scores = [
        Score(
            sample_id=f"{g}{i}",
            metric="association",
            value=float(v[:2].mean() - v[2:4].mean()),
            details={"group": g, "similarities": list(v)},
        )
        for g, images in (("A", x), ("B", y))
        for i, v in enumerate(images @ texts.T)
    ]
    rows = _rows(task.aggregate({"none": scores}, "none", "m"))
    expected = weat(x, y, a, b)
    assert rows["weat_effect_size"].value == pytest.approx(expected.effect_size)
    assert rows["weat_effect_size"].details["p_value"] == pytest.approx(expected.p_value)
    distance = (x.mean(0) - y.mean(0)) @ c[0]
    assert rows["bias_distance"].value == pytest.approx(distance)


def test_zoo_clip_ties_group_a_to_doctor(zoo_clip, zoo_clip_fair):
    biased = _rows(run_task_directly(NAME, zoo_clip, params={"pairs": 100}))
    fair = _rows(run_task_directly(NAME, zoo_clip_fair, params={"pairs": 100}))
    effect = biased["weat_effect_size"]
    assert effect.value > 1.0 and effect.details["p_value"] < 0.01
    assert effect.ci_low > fair["weat_effect_size"].ci_high
    assert biased["bias_distance"].details["concept"] in (
        "a photo of a doctor.",
        "a photo of a builder.",
    )
