"""OOD detection metrics, worked out by hand on small cases and cross-checked against sklearn."""

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from vlmtrust.metrics import detection
from vlmtrust.metrics.detection import (
    auroc,
    auroc_estimate,
    auroc_rows,
    fpr_at_tpr,
    fpr_at_tpr_estimate,
    fpr_rows,
)


def test_auroc_of_perfect_inverted_and_tied_scores():
    assert auroc([3, 4, 5], [0, 1, 2]) == 1.0
    assert auroc([0, 1, 2], [3, 4, 5]) == 0.0
    assert auroc([7, 7, 7], [7, 7]) == 0.5


def test_auroc_by_hand_counts_pairs_and_half_credits_ties():
    # pairs (in, out): .9>.5 .9>.1 .6>.5 .6>.1 .4<.5 .4>.1 -> 5 of 6
    assert auroc([0.9, 0.6, 0.4], [0.5, 0.1]) == pytest.approx(5 / 6)
    # 1<2: 0, 1>0: 1, 2=2: 0.5, 2>0: 1 -> 2.5 of 4
    assert auroc([1, 2], [2, 0]) == pytest.approx(0.625)


def test_fpr95_by_hand():
    ins = np.arange(1, 21)  # 20 in-distribution scores: keeping 19 puts the threshold at 2
    outs = [0, 1.5, 2, 3, 25]  # 2, 3 and 25 reach it
    assert fpr_at_tpr(ins, outs) == pytest.approx(3 / 5)
    # with 10 in-distribution scores, 95% means keeping all 10: threshold at the minimum (1)
    assert fpr_at_tpr(np.arange(1, 11), [0.5, 1, 2, 30]) == pytest.approx(3 / 4)
    assert fpr_at_tpr([5, 6, 7], [1, 2]) == 0.0
    assert fpr_at_tpr([1, 2, 3], [3, 4]) == 1.0


def test_auroc_matches_sklearn_and_the_rank_form_on_random_data_with_ties():
    rng = np.random.default_rng(1)
    for _ in range(20):
        ins = np.round(rng.normal(0.5, 1, size=rng.integers(5, 60)), 1)
        outs = np.round(rng.normal(0, 1, size=rng.integers(5, 60)), 1)
        labels = np.r_[np.ones(len(ins)), np.zeros(len(outs))]
        expected = roc_auc_score(labels, np.r_[ins, outs])
        assert auroc(ins, outs) == pytest.approx(expected)
        assert auroc_rows(ins[None], outs[None])[0] == pytest.approx(expected)


def test_vectorised_fpr_matches_the_single_set_version():
    rng = np.random.default_rng(2)
    ins, outs = rng.normal(1, 1, size=(7, 33)), rng.normal(0, 1, size=(7, 21))
    rows = fpr_rows(ins, outs, 0.95)
    assert rows == pytest.approx([fpr_at_tpr(a, b) for a, b in zip(ins, outs, strict=True)])


def test_estimates_carry_n_intervals_around_the_value_and_are_seeded():
    rng = np.random.default_rng(3)
    ins, outs = rng.normal(1, 1, 80), rng.normal(0, 1, 50)
    for metric in (auroc_estimate, fpr_at_tpr_estimate):
        est = metric(ins, outs, resamples=500, seed=7)
        assert est.n == 130
        assert est.ci_low <= est.value <= est.ci_high
        assert est.ci_high - est.ci_low > 0.01
        assert metric(ins, outs, resamples=500, seed=7) == est
        assert metric(ins, outs, resamples=500, seed=8) != est


def test_bootstrap_is_stratified_so_perfect_separation_stays_perfect():
    est = auroc_estimate([5, 6, 7, 8], [1, 2, 3], resamples=200)
    assert (est.value, est.ci_low, est.ci_high) == (1.0, 1.0, 1.0)


def test_one_empty_side_gives_no_value():
    est = auroc_estimate([1.0, 2.0], [])
    assert est.value is None and est.ci_low is None and est.n == 2
    assert fpr_at_tpr_estimate([], [1.0]).value is None
    with pytest.raises(ValueError):
        auroc([1.0], [])


def test_detector_scores_by_hand():
    logits = np.array([[2.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    e2 = math.exp(2)
    assert detection.msp(logits) == pytest.approx([e2 / (e2 + 2), 1 / 3])
    assert detection.max_logit(logits) == pytest.approx([2.0, 1.0])
    assert detection.energy(logits) == pytest.approx([math.log(e2 + 2), 1 + math.log(3)])
    # image 0 matches text 0 exactly (cosine 1, others 0); raw norms are normalised away
    images = np.array([[3.0, 0.0, 0.0], [0.0, 0.0, 2.0]])
    texts = np.eye(3)[:2]
    e = math.e
    assert detection.mcm(images, texts) == pytest.approx([e / (e + 1), 0.5])
    assert detection.mcm(images, texts, temperature=0.5)[0] == pytest.approx(e2 / (e2 + 1))


def test_importing_detection_leaves_scipy_and_sklearn_for_the_first_use():
    """The runner and the CLI import this module; its libraries load when a detector runs."""
    from vlmtrust_testing import HEAVY_LIBRARIES, imported_after

    assert imported_after("import vlmtrust.metrics.detection", HEAVY_LIBRARIES) == []
    used = "from vlmtrust.metrics.detection import auroc\nauroc([1.0], [0.0])"
    assert imported_after(used, ["sklearn"]) == ["sklearn"]
