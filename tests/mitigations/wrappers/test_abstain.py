"""The abstain wrapper on the real zoo:clip: coverage where it was fitted, the planted OOD
over-confidence it cannot see past, and the rows a task reports from its decisions."""

import numpy as np
import pytest

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.records import Score
from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.metrics import detection
from vlmtrust.metrics.declared import metric_rows
from vlmtrust.mitigations.wrappers.abstain import Abstain, coverage_threshold
from vlmtrust.models.base import resolve_model
from vlmtrust.tasks.robustness.conditions import ACCURACY_METRICS
from vlmtrust.tasks.robustness.selective import (
    ABSTAINED,
    Selective,
    abstained_rows,
    abstention,
    abstentions_as_errors,
)


def selective_rows(scores, mitigation, **options):
    """The rows of a task declaring ``Selective(**options)``."""
    declared = [Selective(**options)]
    return metric_rows(declared, scores, task="t", mitigation=mitigation, model="m")


SHAPES = [f"a photo of a {s}." for s in world.SHAPES]


def _abstain(**params) -> Abstain:
    return Abstain(Spec(name="abstain", params=params))


@pytest.fixture(scope="module")
def clip():
    return resolve_model("zoo:clip").load()


@pytest.fixture(scope="module")
def wrapped(clip):
    return _abstain().wrap(clip)  # the defaults: MSP, 95% coverage, 500 held-out scenes


@pytest.fixture(scope="module")
def scenes():
    return world.generate(0, 200), world.generate(0, 200, family="ood")


def test_threshold_keeps_the_asked_share():
    scores = np.arange(20.0)
    assert coverage_threshold(scores, 0.95) == 1.0  # keeps 19 of 20, not 20 (float noise)
    assert coverage_threshold(scores, 1.0) == 0.0
    assert coverage_threshold(scores, 0.01) == 19.0  # always keeps at least one
    assert coverage_threshold(np.array([1.0, 1.0, 1.0, 2.0]), 0.5) == 1.0  # ties are kept
    with pytest.raises(ValueError, match="finite"):
        coverage_threshold(np.array([np.nan]), 0.9)


def test_abstained_rows_are_nan_and_the_rest_untouched(clip, scenes):
    model = _abstain(score="max_logit", n=50, coverage=0.5).wrap(clip)
    images = [s.load_image() for s in scenes[0][:40]]
    raw, out = clip.classify(images, SHAPES), model.classify(images, SHAPES)
    mask = model.abstains(images, SHAPES)
    assert 0 < mask.sum() < 40  # half the held-out data is declined: some of these are too
    assert (abstained_rows(out) == mask).all()
    assert np.allclose(out[~mask], raw[~mask])
    assert (detection.max_logit(raw)[mask] < model.threshold).all()
    assert model.calls == clip.calls  # the wrapper reports the inner model's calls
    # each label set gets its own threshold (scores over other classes are on another scale)
    colours = [f"a photo of a {c}." for c in world.COLOURS]
    assert model.threshold_for(colours) != model.threshold
    assert abstained_rows(np.zeros((0, 8))).shape == (0,)


def test_coverage_in_distribution_is_near_the_target(wrapped, scenes):
    images = [s.load_image() for s in scenes[0]]
    coverage = 1.0 - wrapped.abstains(images, SHAPES).mean()
    assert abs(coverage - 0.95) <= 0.1


def test_msp_abstention_does_not_catch_zoo_clips_ood_scenes(wrapped, scenes):
    """The planted flaw: zoo:clip is MORE confident on the OOD family than on familiar scenes
    (MSP AUROC about 0.15), so a threshold that declines the least confident 5% of familiar
    scenes answers OOD scenes at least as often. Abstention by MSP is no OOD defence here."""
    inside = 1.0 - wrapped.abstains([s.load_image() for s in scenes[0]], SHAPES).mean()
    outside = 1.0 - wrapped.abstains([s.load_image() for s in scenes[1]], SHAPES).mean()
    assert outside >= inside
    assert outside >= 0.95


def _zero_shot_scores(model, samples) -> list[Score]:
    """What robustness.zero_shot records under the proposed contract: an ``abstained`` Score
    for a NaN row, a ``correct`` Score only for an answered sample."""
    logits = model.classify([s.load_image() for s in samples], SHAPES)
    out = []
    for sample, row, declined in zip(samples, logits, abstained_rows(logits), strict=True):
        truth = str(sample.labels["shape"])
        if declined:
            out.append(abstention(sample.id, truth=truth))
            continue
        guess = world.SHAPES[int(np.argmax(row))]
        out.append(Score(sample_id=sample.id, metric="correct", value=float(guess == truth)))
    return out


def test_selective_rows_report_coverage_and_accuracy_among_answered(clip, scenes):
    model = _abstain(score="energy", n=100, coverage=0.8).wrap(clip)
    samples = scenes[0][:120]
    scores = {"none": _zero_shot_scores(model, samples)}
    declined = sum(s.metric == ABSTAINED for s in scores["none"])
    assert 0 < declined < 60
    rows = {r.metric: r for r in selective_rows(scores, "abstain")}
    assert set(rows) == {"coverage", "selective_accuracy"}
    cover, selective = rows["coverage"], rows["selective_accuracy"]
    assert cover.value == pytest.approx(1 - declined / 120) and cover.n == 120
    assert selective.n == 120 - declined and cover.details["n_abstained"] == declined
    assert cover.ci_low < cover.value < cover.ci_high

    # plain accuracy counts an abstention as not answered correctly, on all 120 samples
    plain = {
        (r.attack, r.metric): r
        for r in metric_rows(
            ACCURACY_METRICS,
            abstentions_as_errors(scores),
            task="t",
            mitigation="abstain",
            model="m",
        )
    }
    accuracy = plain[("none", "accuracy")]
    assert accuracy.n == 120
    assert accuracy.value == pytest.approx(cover.value * selective.value)
    assert selective.value >= accuracy.value

    # split by side, and nothing at all for a baseline when asked
    sided = [s.model_copy(update={"details": {"ood": False}}) for s in scores["none"]]
    split = selective_rows({"none": sided}, "abstain", accuracy=False, split="ood")
    assert [r.metric for r in split] == ["coverage_in", "coverage_out"]
    assert split[0].value == cover.value and split[1].value is None
    answered = {"none": [s for s in scores["none"] if s.metric == "correct"]}
    assert selective_rows(answered, "none", only_if_abstained=True) == []
    assert selective_rows(answered, "none")[0].value == 1.0


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"score": "mcm"}, "score"),
        ({"label": "occupation"}, "label"),
        ({"coverage": 0}, "coverage"),
    ],
)
def test_bad_parameters_are_config_errors(params, where):
    with pytest.raises(ConfigError, match=where):
        _abstain(**params)
