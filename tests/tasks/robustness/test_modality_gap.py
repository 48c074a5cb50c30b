"""robustness.modality_gap: the statistics on data with a known answer, then zoo:clip's real gap
through the runner (a LiT-style tower trained against a frozen text model keeps its own cone)."""

import numpy as np
import pytest

from vlmtrust.core.config import RunConfig
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Spec
from vlmtrust.metrics.rates import DEFAULT_RESAMPLES
from vlmtrust.models.base import resolve_model
from vlmtrust.plugins import TASKS
from vlmtrust.runner import run
from vlmtrust.tasks.base import DataContext, build_task
from vlmtrust.tasks.robustness.modality_gap import (
    centroid_gap,
    centroid_gap_estimate,
    separability_estimate,
)

NAME = "robustness.modality_gap"
if NAME not in TASKS:  # until plugins.py lists it
    TASKS.add(NAME, "vlmtrust.tasks.robustness.modality_gap:ModalityGap", "modality gap")

ROWS = {"centroid_gap", "mean_pair_cosine", "modality_separability"}


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_statistics_on_clouds_with_a_known_gap():
    rng = np.random.default_rng(0)
    same_a, same_b = _unit(rng.normal(size=(150, 16))), _unit(rng.normal(size=(150, 16)))
    shift = np.zeros(16)
    shift[0] = 10.0
    apart = _unit(rng.normal(size=(150, 16)) + shift)

    # two draws of one distribution: small gap, a classifier at chance
    mixed, folds = separability_estimate(same_a, same_b)
    assert mixed.ci_low <= 0.5 <= mixed.ci_high and mixed.n == 300
    assert (
        folds["fold_min"] <= mixed.value <= folds["fold_max"] and len(folds["fold_accuracy"]) == 5
    )
    # shifted clouds: the gap is the distance of the means, and they separate perfectly
    gap = centroid_gap_estimate(apart, same_a, resamples=300, seed=1)
    expected = np.linalg.norm(apart.mean(0) - same_a.mean(0))
    assert gap.value == pytest.approx(expected) and gap.ci_low < gap.value < gap.ci_high
    assert centroid_gap(same_a, same_b) < gap.ci_low
    assert separability_estimate(apart, same_a)[0].value >= 0.98
    assert separability_estimate(apart[:3], same_a[:3])[0].value is None  # fewer pairs than folds


def test_high_dimensions_alone_do_not_make_clouds_separable():
    """The real setting has more dimensions (384) than training points per fold (320), where
    any two point sets can be split in-sample; out of fold, one distribution stays at chance."""
    rng = np.random.default_rng(0)
    a, b = _unit(rng.normal(size=(200, 384))), _unit(rng.normal(size=(200, 384)))
    assert abs(separability_estimate(a, b)[0].value - 0.5) < 0.1


def test_gap_interval_equals_the_plain_paired_bootstrap():
    """The count-matrix shortcut must give the interval that indexing each resample gives."""
    rng = np.random.default_rng(1)
    images, texts = _unit(rng.normal(size=(40, 8)) + 1), _unit(rng.normal(size=(40, 8)))
    est = centroid_gap_estimate(images, texts, resamples=200, seed=4)
    idx = np.random.default_rng(4).integers(0, 40, size=(200, 40))
    plain = [centroid_gap(images[i], texts[i]) for i in idx]
    assert (est.ci_low, est.ci_high) == pytest.approx(tuple(np.percentile(plain, [2.5, 97.5])))


def test_unscorable_samples_and_stored_vectors():
    model = resolve_model("zoo:clip").load()
    task = build_task(Spec(name=NAME, params={"n": 6}))
    samples = task.samples(DataContext(seed=0, limit=None))
    no_caption = samples[0].model_copy(update={"id": "no-caption", "labels": {"shape": "circle"}})
    samples = [*samples, no_caption, Sample(id="no-image", labels={"caption": "a red circle"})]
    scores = [s for per in task.score(model, samples) for s in per]
    assert [s.sample_id for s in scores] == [s.id for s in samples]
    assert scores[6].unscorable and scores[6].reason == "no 'caption' label"
    assert scores[7].unscorable and scores[7].reason == "no image"

    image = model.encode_image([samples[0].load_image()])[0]
    text = model.encode_text([samples[0].labels["caption"]])[0]
    stored = scores[0].details
    assert len(stored["image"]) == len(image) and stored["image"] == pytest.approx(image, abs=6e-6)
    assert stored["text"] == pytest.approx(text, abs=6e-6)
    assert scores[0].value == pytest.approx(float(image @ text), abs=1e-4)

    rows = {r.metric: r for r in task.aggregate({"none": scores}, "none", "zoo:clip")}
    assert set(rows) == ROWS
    assert rows["centroid_gap"].n == 6 and rows["centroid_gap"].details["n_unscorable"] == 2
    assert rows["modality_separability"].n == 12


def test_zoo_clip_images_and_captions_live_in_separate_cones(tmp_path):
    config = RunConfig(
        model="zoo:clip",
        tasks=(Spec(name=NAME, params={"n": 150, "resamples": DEFAULT_RESAMPLES}),),
        out=tmp_path,
        show_progress=False,
    )
    first = run(config)
    rows = {(r.attack, r.metric): r for r in first.metrics}
    assert set(rows) == {("none", m) for m in ROWS}
    gap, cosine = rows[("none", "centroid_gap")], rows[("none", "mean_pair_cosine")]
    separable = rows[("none", "modality_separability")]
    for row in (gap, cosine, separable):
        assert row.ci_low <= row.value <= row.ci_high and row.details["n_pairs"] == 150
    assert gap.ci_low > 0.3  # a wide gap between two unit-vector clouds (max distance is 2)
    assert 0.3 < cosine.value < 0.95  # pairs match, but far from identical
    assert separable.value >= 0.95 and separable.details["fold_min"] >= 0.9
    assert separable.n == 300

    # only the aggregate's parameters changed: nothing re-runs, and a resumed run agrees
    spec = Spec(name=NAME, params={"n": 150, "folds": 3, "resamples": 500})
    again = run(config.model_copy(update={"tasks": (spec,)}))
    assert again.executed == 0 and again.model_calls == 0
    same = {(r.attack, r.metric): r for r in again.metrics}
    assert same[("none", "centroid_gap")].value == gap.value
    assert same[("none", "modality_separability")].details["folds"] == 3
    assert run(config).metrics == first.metrics


def test_the_same_samples_in_any_order_give_the_same_rows():
    """Folds come from sample ids and every statistic reads the pairs in id order: the store
    hands scores back by result key, so a mitigated variant (or a user's re-listed folder) sees
    the same samples in another order, and that alone must not move a number or an interval."""
    from vlmtrust.core.records import Score

    rng = np.random.default_rng(3)
    shift = np.zeros(16)
    shift[0] = 1.0  # overlapping clouds: the classifier is neither at chance nor perfect
    scores = [
        Score(
            sample_id=f"s{i:03d}",
            metric="pair",
            value=0.0,
            details={
                "image": _unit(rng.normal(size=(1, 16)) + shift)[0].round(5).tolist(),
                "text": _unit(rng.normal(size=(1, 16)))[0].round(5).tolist(),
            },
        )
        for i in range(60)
    ]
    task = build_task(Spec(name=NAME, params={"resamples": 200}))
    seen = set()
    for shuffle in range(5):
        order = rng.permutation(len(scores)) if shuffle else np.arange(len(scores))
        rows = task.aggregate({"none": [scores[i] for i in order]}, "none", "zoo:clip")
        seen.add(tuple((r.metric, r.value, r.ci_low, r.ci_high) for r in rows))
    assert len(seen) == 1
    separable = next(r for r in rows if r.metric == "modality_separability")
    assert 0.55 < separable.value < 0.95
