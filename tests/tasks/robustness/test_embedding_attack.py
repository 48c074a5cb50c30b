"""robustness.embedding_attack: the closed-form breaking radius against an explicit worst-case
perturbation, and accuracy against radius on zoo:clip."""

from __future__ import annotations

import numpy as np

from vlmtrust.core.spec import Spec
from vlmtrust.models.base import resolve_model
from vlmtrust.tasks.base import DataContext
from vlmtrust.tasks.robustness.embedding_attack import EmbeddingAttack, breaking_radii


def _unit(a: np.ndarray) -> np.ndarray:
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def test_breaking_radius_is_exact_on_both_sides() -> None:
    rng = np.random.default_rng(0)
    texts = _unit(rng.normal(size=(5, 8)))
    images = _unit(texts[[0, 1, 2, 3]] + 0.1 * rng.normal(size=(4, 8)))
    truth = np.array([0, 1, 2, 3])
    image_r, text_r = breaking_radii(images, texts, truth)
    for i, y in enumerate(truth):
        assert (images[i] @ texts.T).argmax() == y  # all start correct
        # image side: move along the direction of the weakest rival, just past / short of r
        margins = images[i] @ (texts[y] - texts).T
        gaps = np.linalg.norm(texts[y] - texts, axis=1)
        k = int(np.argmin(np.where(np.arange(5) == y, np.inf, margins / np.where(gaps, gaps, 1))))
        direction = (texts[k] - texts[y]) / gaps[k]
        assert ((images[i] + 1.001 * image_r[i] * direction) @ texts.T).argmax() != y
        assert ((images[i] + 0.999 * image_r[i] * direction) @ texts.T).argmax() == y
        # text side: push the true prompt away from u and the rival toward it
        u = images[i] / np.linalg.norm(images[i])
        k = int(np.argmin(np.where(np.arange(5) == y, np.inf, margins)))
        for scale, flips in ((1.001, True), (0.999, False)):
            moved = texts.copy()
            moved[y] -= scale * text_r[i] * u
            moved[k] += scale * text_r[i] * u
            assert bool((images[i] @ moved.T).argmax() != y) == flips


def test_accuracy_falls_with_radius_on_zoo_clip() -> None:
    task = EmbeddingAttack(
        Spec(name="robustness.embedding_attack", params={"n": 40, "radii": [0.0, 0.1, 2.0]})
    )
    samples = task.samples(DataContext(seed=0, limit=None))
    task = task.resolve(samples)
    model = resolve_model("zoo:clip").load()
    scores = [s for per in task.score(model, samples) for s in per]
    rows = {r.metric: r for r in task.aggregate({"none": scores}, "none", "zoo:clip")}
    classes = list(task.params.classes or ())
    logits = model.classify(
        [s.load_image() for s in samples], [f"a photo of a {c}." for c in classes]
    )
    predicted = logits.argmax(1)
    clean = np.mean(
        [classes[int(i)] == s.labels["shape"] for i, s in zip(predicted, samples, strict=True)]
    )
    for side in ("image", "text"):
        zero, small, huge = (rows[f"accuracy_{side}@{r}"] for r in ("0", "0.1", "2"))
        assert zero.value == clean  # radius 0 is plain zero-shot accuracy
        assert zero.n == 40 and zero.ci_low is not None and zero.ci_low <= zero.value
        assert zero.value >= (small.value or 0) >= (huge.value or 0)
        assert huge.value == 0.0  # a radius of 2 reaches any unit vector
        assert zero.details["curve"]["x"] == [0.0, 0.1, 2.0]
