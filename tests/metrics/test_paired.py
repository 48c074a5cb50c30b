"""Paired before -> after statistics: McNemar's exact test and Holm agree with statsmodels, the
sign-flip test and the paired bootstrap behave as their definitions say, and pairing is by
sample id."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

from vlmtrust.metrics.paired import (
    PairedTerms,
    holm,
    mcnemar_exact,
    paired_change,
    sign_flip_p,
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
