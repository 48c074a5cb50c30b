"""Paired before -> after statistics: McNemar's exact test and Holm agree with statsmodels, the
sign-flip test and the paired bootstrap behave as their definitions say, and pairing is by
sample id; the statistics a paired bootstrap resamples (AUROC, FPR95, ECE, gap) equal their
direct computation, the bootstrap finds a real AUROC change and calls no change none."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

from vlmtrust.metrics import calibration, detection
from vlmtrust.metrics.paired import (
    PairedTerms,
    bootstrap_p,
    holm,
    mcnemar_exact,
    paired_change,
    sign_flip_p,
    statistic,
    statistic_terms,
    stratified_indices,
)


@pytest.mark.parametrize(
    ("b", "c"), [(0, 0), (1, 0), (3, 9), (10, 10), (0, 25), (40, 61), (300, 251)]
)
def test_mcnemar_exact_equals_statsmodels(b, c):
    expected = mcnemar([[5, b], [c, 7]], exact=True).pvalue
    assert mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-12, abs=1e-300)


def test_holm_equals_statsmodels():
    p = [0.01, 0.04, 0.03, 0.005, 0.5, 0.2]
    assert holm(p) == pytest.approx(list(multipletests(p, method="holm")[1]))


def test_sign_flip_is_exact_for_few_pairs_and_one_when_nothing_changes():
    # 3 pairs all +1: of the 8 sign patterns only all-plus and all-minus reach |mean| 1
    assert sign_flip_p(np.array([1.0, 1.0, 1.0])) == pytest.approx(2 / 8)
    assert sign_flip_p(np.zeros(40)) == 1.0
    shifted = np.random.default_rng(0).normal(0.5, 1.0, 200)
    assert sign_flip_p(shifted) < 0.01


def test_a_paired_change_matches_samples_by_id_and_counts_the_rest():
    before = PairedTerms("binary", {"a": 1.0, "b": 1.0, "c": 0.0, "d": 1.0, "x": 1.0})
    after = PairedTerms("binary", {"d": 0.0, "c": 1.0, "b": 0.0, "a": 0.0, "y": 0.0})
    change = paired_change(before, after, resamples=500)
    assert change is not None
    assert change.n_pairs == 4 and change.unpaired == 2 and change.discordant == (3, 1)
    assert change.difference == pytest.approx(-0.5)
    assert change.ci_low <= -0.5 <= change.ci_high
    assert change.p_value == pytest.approx(mcnemar([[0, 3], [1, 0]], exact=True).pvalue)


def test_pairing_is_more_sensitive_than_overlapping_intervals():
    """100 samples, 12 fixed and none broken: the unpaired intervals overlap (0.50 vs 0.62),
    McNemar sees 12 discordant pairs all one way (p < 0.001)."""
    old = {f"s{i}": float(i < 50) for i in range(100)}
    new = {k: 1.0 if int(k[1:]) < 62 else v for k, v in old.items()}
    change = paired_change(PairedTerms("binary", old), PairedTerms("binary", new))
    assert change is not None and change.p_value < 0.001 and change.ci_low > 0


def test_kinds_that_differ_or_too_few_pairs_give_nothing():
    binary = PairedTerms("binary", {"a": 1.0, "b": 0.0})
    assert paired_change(binary, PairedTerms("continuous", {"a": 0.3, "b": 0.1})) is None
    assert paired_change(binary, PairedTerms("binary", {"a": 1.0})) is None


def _sides(n_in=150, n_out=100, shift=0.0, seed=0):
    """Detector scores (in-distribution higher by 1) and sides (1 = OOD) by sample id."""
    rng = np.random.default_rng(seed)
    ids = [f"s{i}" for i in range(n_in + n_out)]
    sides = {k: float(i >= n_in) for i, k in enumerate(ids)}
    values = {k: rng.normal(0.0 if sides[k] else 1.0 + shift) for k in ids}
    return values, sides


@pytest.mark.parametrize("name", ["auroc", "fpr95", "gap", "ece:15", "ece:7"])
def test_each_statistic_equals_its_direct_computation(name):
    rng = np.random.default_rng(3)
    values, labels = rng.uniform(0, 1, 300), (rng.uniform(0, 1, 300) < 0.4).astype(float)
    ins, outs = values[labels == 0], values[labels == 1]
    direct = {
        "auroc": detection.auroc(ins, outs),
        "fpr95": detection.fpr_at_tpr(ins, outs, 0.95),
        "gap": outs.mean() - ins.mean(),
        "ece:15": calibration.expected_calibration_error(values, labels, 15),
        "ece:7": calibration.expected_calibration_error(values, labels, 7),
    }[name]
    found, _ = statistic(name)
    assert found(values[None], labels)[0] == pytest.approx(direct, abs=1e-12)
    # one row per resample: two rows, two values
    assert found(np.stack([values, values]), labels) == pytest.approx([direct, direct])


def test_unknown_statistics_and_unlabelled_samples_are_refused():
    with pytest.raises(ValueError, match="unknown paired statistic"):
        statistic_terms("median", {"a": 1.0}, {"a": 0.0})
    with pytest.raises(ValueError, match="value and a label"):
        statistic_terms("auroc", {"a": 1.0, "b": 0.5}, {"a": 0.0})


def test_the_paired_bootstrap_finds_a_real_auroc_change():
    before, sides = _sides()
    after = {k: v + (0.0 if sides[k] else 1.0) for k, v in before.items()}  # ID side pulled up
    old, new = statistic_terms("auroc", before, sides), statistic_terms("auroc", after, sides)
    change = paired_change(old, new)
    assert change is not None and change.test == "paired bootstrap"
    ins = lambda d, side: [v for k, v in d.items() if sides[k] == side]  # noqa: E731
    expected = detection.auroc(ins(after, 0), ins(after, 1)) - detection.auroc(
        ins(before, 0), ins(before, 1)
    )
    assert change.difference == pytest.approx(expected)
    assert change.difference > 0.1 and change.ci_low > 0
    assert change.p_value < 1e-6  # far beyond what 1,000 resamples' tail share could say
    assert change.n_pairs == 250 and change.discordant is None and change.unpaired == 0


def test_no_change_is_no_change_and_the_result_is_seeded():
    values, sides = _sides()
    terms = statistic_terms("auroc", values, sides)
    same = paired_change(terms, statistic_terms("auroc", dict(values), sides))
    assert same is not None
    assert (same.difference, same.ci_low, same.ci_high, same.p_value) == (0.0, 0.0, 0.0, 1.0)
    # a small noise-only change: not called real, and the same numbers every time
    rng = np.random.default_rng(9)
    noisy = statistic_terms("auroc", {k: v + rng.normal(0, 0.01) for k, v in values.items()}, sides)
    first, again = paired_change(terms, noisy, seed=4), paired_change(terms, noisy, seed=4)
    assert first == again and first is not None and first.p_value > 0.05
    assert paired_change(terms, noisy, seed=5) != first


def test_stratified_resamples_keep_every_side_at_its_size():
    strata = np.array([0] * 7 + [1] * 3 + [2] * 1)
    idx = stratified_indices(strata, resamples=200, seed=0)
    assert idx.shape == (200, 11)
    assert (strata[idx] == np.sort(strata)[None, :]).all()  # column j: one stratum
    # a bootstrap whose OOD side is 3 of 250 samples still has it in every resample
    values, sides = _sides(n_in=247, n_out=3)
    change = paired_change(
        statistic_terms("auroc", values, sides), statistic_terms("auroc", values, sides)
    )
    assert change is not None and change.p_value == 1.0


def test_a_statistic_needing_both_sides_gives_nothing_without_one_and_names_must_match():
    values, _ = _sides()
    one_side = {k: 0.0 for k in values}
    assert paired_change(*[statistic_terms("auroc", values, one_side)] * 2) is None
    _, sides = _sides()
    auroc, gap = statistic_terms("auroc", values, sides), statistic_terms("gap", values, sides)
    assert paired_change(auroc, gap) is None
    ece = {k: 1.0 for k in values}
    conf = {k: 0.9 for k in values}  # all correct: ECE still has a value, and no change
    made = paired_change(statistic_terms("ece:15", conf, ece), statistic_terms("ece:15", conf, ece))
    assert made is not None and made.difference == 0.0 and made.p_value == 1.0


def test_a_changed_label_is_resampled_with_its_sample():
    """ECE with a prediction that flips correctness: strata are (before, after) labels, so each
    resample keeps the same count of every flip, and the observed change is the direct one."""
    rng = np.random.default_rng(2)
    ids = [f"s{i}" for i in range(200)]
    conf = {k: float(rng.uniform(0.5, 1.0)) for k in ids}
    hit = {k: float(rng.uniform() < conf[k]) for k in ids}
    flipped = {k: 1.0 - v if i < 20 else v for i, (k, v) in enumerate(hit.items())}
    change = paired_change(
        statistic_terms("ece:15", conf, hit), statistic_terms("ece:15", conf, flipped)
    )
    as_array = lambda d: np.array([d[k] for k in ids])  # noqa: E731
    direct = calibration.expected_calibration_error(
        as_array(conf), as_array(flipped)
    ) - calibration.expected_calibration_error(as_array(conf), as_array(hit))
    assert change is not None and change.difference == pytest.approx(direct)


@pytest.mark.parametrize(
    ("observed", "replicates", "expected"),
    [
        (0.0, [0.1, -0.1], 1.0),  # nothing changed
        (0.3, [0.3, 0.3, 0.3], 0.0),  # every resample the same non-zero change
        # a Wald test with the bootstrap standard error (ddof=1)
        (
            0.2,
            [0.1, 0.3, 0.1, 0.3],
            math.erfc(0.2 / (np.std([0.1, 0.3, 0.1, 0.3], ddof=1) * 2**0.5)),
        ),
        (
            -0.05,
            [-0.2, 0.1, -0.1, 0.0],
            math.erfc(0.05 / (np.std([-0.2, 0.1, -0.1, 0.0], ddof=1) * 2**0.5)),
        ),
    ],
)
def test_bootstrap_p_is_a_wald_test_with_the_bootstrap_standard_error(
    observed, replicates, expected
):
    from scipy.stats import norm

    if 0 < expected < 1:  # the same as scipy's two-sided normal tail
        z = abs(observed) / np.std(replicates, ddof=1)
        assert expected == pytest.approx(2 * norm.sf(z))
    assert bootstrap_p(observed, np.array(replicates)) == pytest.approx(expected)
