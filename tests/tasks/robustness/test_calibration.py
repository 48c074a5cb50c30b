"""robustness.calibration on real models: zoo:clip's planted OOD over-confidence, tiny hf: CLIP."""

import numpy as np
import pytest

from vlmtrust.core.config import RunConfig
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Spec
from vlmtrust.metrics.calibration import BRIER_DEFINITION
from vlmtrust.models.base import resolve_model
from vlmtrust.runner import run
from vlmtrust.tasks.base import DataContext, build_task
from vlmtrust.tasks.robustness.calibration import floor_details
from vlmtrust.tasks.robustness.ood import membership

METRICS = ("accuracy", "ece", "nll", "brier", "confidence")


def _rows(summary):
    return {(r.attack, r.metric): r for r in summary.metrics}


def test_zoo_clip_is_far_worse_calibrated_out_of_distribution(tmp_path):
    params = {"n_in": 60, "n_out": 60, "resamples": 300}
    task = Spec(name="robustness.calibration", params=params)
    summary = run(RunConfig(model="zoo:clip", tasks=(task,), out=tmp_path, show_progress=False))
    rows = _rows(summary)
    assert set(rows) == {("none", f"{m}_{s}") for m in METRICS for s in ("in", "out")}
    for row in rows.values():
        assert row.n == 60 and row.details["n_unscorable"] == 0
        assert row.ci_low is not None and row.ci_low <= row.value <= row.ci_high

    ece_in, ece_out = rows[("none", "ece_in")], rows[("none", "ece_out")]
    assert ece_out.value >= 2 * ece_in.value  # the planted flaw
    assert ece_out.ci_low > ece_in.ci_high  # and the intervals separate
    # every OOD answer is wrong, so ECE out of distribution is exactly the mean confidence
    assert rows[("none", "accuracy_out")].value == 0.0
    assert ece_out.value == pytest.approx(rows[("none", "confidence_out")].value)
    assert rows[("none", "accuracy_in")].ci_low >= 0.8

    diagram = ece_in.details["reliability"]
    assert len(diagram) == 15 and sum(b["count"] for b in diagram) == 60
    assert rows[("none", "brier_in")].details["definition"] == BRIER_DEFINITION


def test_per_sample_confidence_correctness_and_p_true(tiny_clip):
    model = resolve_model(f"hf:{tiny_clip}").load()
    task = build_task(Spec(name="robustness.calibration", params={"n_in": 5, "n_out": 4}))
    samples = task.samples(DataContext(seed=0, limit=None))
    unlabelled = samples[0].model_copy(update={"id": "no-shape", "labels": {"ood": False}})
    samples = [*samples, unlabelled, Sample(id="no-image", labels={"ood": True})]
    resolved = task.resolve(samples)
    classes = list(resolved.params.classes)
    scores = [s for per_sample in resolved.score(model, samples) for s in per_sample]
    assert [s.sample_id for s in scores] == [s.id for s in samples]

    for sample, score in zip(samples[:9], scores, strict=False):
        assert score.metric == "confidence" and 1 / 8 <= score.value <= 1
        assert score.details["ood"] is membership(sample)
        truth = sample.labels["shape"]
        if membership(sample):  # an OOD shape is not offered: never right, p_true = 0
            assert truth not in classes
            assert score.details["p_true"] == 0.0 and score.details["correct"] is False
        else:
            assert 0 < score.details["p_true"] <= score.value
            assert score.details["correct"] is (score.label == truth)
    assert scores[9].unscorable and scores[9].reason == "no 'shape' label"
    assert scores[10].unscorable and scores[10].reason == "no image"

    rows = {r.metric: r for r in resolved.aggregate({"none": scores}, "none", "tiny")}
    assert (rows["ece_in"].n, rows["ece_in"].details["n_unscorable"]) == (5, 1)
    assert (rows["ece_out"].n, rows["ece_out"].details["n_unscorable"]) == (4, 1)
    assert rows["nll_out"].value == pytest.approx(27.631, abs=1e-3)  # -log(1e-12)
    assert rows["nll_out"].details["n_floored"] == 4
    assert rows["nll_out"].details["note"].startswith("4 of 4 samples gave the true label")


def test_an_nll_made_of_floored_probabilities_says_so():
    """27.631 is -log(1e-12), the floor, not a measurement: the row counts the floored samples
    and its note (which the report shows beside the value) says what the number is made of."""
    ood = floor_details(np.zeros(200), ood=True)
    assert (ood["n_floored"], ood["floor_share_of_nll"], ood["p_floor"]) == (200, 1.0, 1e-12)
    assert ood["note"].startswith("200 of 200 samples gave the true label a probability below")
    assert "the NLL is dominated by the floor" in ood["note"]
    assert "nll_out is the floor for any model" in ood["note"]
    # one confidently wrong sample among 99 good ones still carries most of the NLL
    mixed = floor_details(np.r_[np.full(99, 0.9), 0.0], ood=False)
    assert mixed["n_floored"] == 1 and 0.5 < mixed["floor_share_of_nll"] < 1
    assert "1 of 100 samples" in mixed["note"] and "Out of distribution" not in mixed["note"]
    clean = floor_details(np.full(10, 0.9), ood=False)
    assert clean == {"p_floor": 1e-12, "n_floored": 0}


def test_runs_on_a_tiny_hf_clip(tiny_clip, tmp_path):
    task = Spec(name="robustness.calibration", params={"n_in": 10, "n_out": 6, "resamples": 200})
    config = RunConfig(model=f"hf:{tiny_clip}", tasks=(task,), out=tmp_path, show_progress=False)
    summary = run(config)
    rows = _rows(summary)
    assert rows[("none", "ece_in")].n == 10 and rows[("none", "ece_out")].n == 6
    for metric in ("ece", "nll", "brier"):
        for split in ("in", "out"):
            row = rows[("none", f"{metric}_{split}")]
            assert row.ci_low <= row.value <= row.ci_high
    again = run(
        config.model_copy(
            update={"tasks": (Spec(name=task.name, params={**task.params, "bins": 10}),)}
        )
    )
    assert again.executed == 0  # bins only change the aggregate
    assert len(_rows(again)[("none", "ece_in")].details["reliability"]) == 10
