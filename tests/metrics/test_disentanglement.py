"""The mutual information gap: near 1 when one code dimension alone holds a factor, 0 when two
hold it equally, near 0 for codes unrelated to it; the bootstrap interval brackets the samples."""

import numpy as np

from vlmtrust.metrics.disentanglement import discretise, factor_gaps, mig


def _factor(n=400, seed=0):
    return np.random.default_rng(seed).integers(0, 2, n)


def test_one_dimension_holding_the_factor_scores_one_and_two_copies_zero():
    factor = _factor()
    noise = np.random.default_rng(1).normal(size=(len(factor), 3))
    alone = np.column_stack([factor, noise])
    copies = np.column_stack([factor, factor, noise])
    gap, dimension = factor_gaps(discretise(alone), {"group": factor})["group"]
    assert dimension == 0 and gap > 0.9  # the noise dimensions' chance information is small
    assert factor_gaps(discretise(copies), {"group": factor})["group"][0] == 0.0


def test_codes_unrelated_to_the_factors_score_near_zero_with_an_interval():
    factor = _factor()
    noise = np.random.default_rng(2).normal(size=(len(factor), 8))
    occupation = np.random.default_rng(3).integers(0, 4, len(factor))
    overall, per_factor, dims = mig(
        noise, {"group": factor.astype(str), "occupation": occupation.astype(str)}, 200, 0
    )
    assert overall.value is not None and overall.value < 0.05
    assert overall.n == len(factor) and set(per_factor) == {"group", "occupation"}
    assert overall.ci_low is not None and overall.ci_high is not None
    assert overall.ci_low <= overall.ci_high
    assert set(dims) == {"group", "occupation"}


def test_a_planted_factor_dimension_is_found_and_scores_high():
    factor = _factor()
    rng = np.random.default_rng(4)
    codes = rng.normal(size=(len(factor), 6))
    codes[:, 4] += 4 * factor
    _overall, per_factor, dims = mig(codes, {"group": factor.astype(str)}, 200, 0)
    assert dims["group"] == 4
    assert per_factor["group"].ci_low is not None and per_factor["group"].ci_low > 0.5
