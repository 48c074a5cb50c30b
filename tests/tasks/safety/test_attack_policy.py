"""The factored attack policy: the bandit's arms are points of its space (which is far larger),
compositions ignore what their carrier does not read, REINFORCE moves probability toward what
paid, and the distinct/diversity measures carry intervals that hold their value."""

import itertools

import numpy as np
import pytest

from vlmtrust.attacks.base import build_attack
from vlmtrust.core.spec import Spec, parse_spec
from vlmtrust.tasks.safety.attack_policy import (
    FACTORS,
    FactoredPolicy,
    attack_spec,
    bandit_successes,
    canonical,
    composition_of,
    distinct_estimate,
    diversity_estimate,
    hamming,
    novelty,
)
from vlmtrust.tasks.safety.red_team import DEFAULT_ARMS


def test_every_bandit_arm_is_a_composition_that_builds_the_same_attack():
    comps = [composition_of(parse_spec(arm)) for arm in DEFAULT_ARMS]
    assert len(set(comps)) == len(DEFAULT_ARMS)
    for arm, comp in zip(DEFAULT_ARMS, comps, strict=True):
        assert build_attack(attack_spec(comp)).label == build_attack(parse_spec(arm)).label


def test_the_composed_space_is_far_larger_than_the_arm_list():
    sizes = [len(v) for v in FACTORS.values()]
    space = {canonical(c) for c in itertools.product(*(range(s) for s in sizes))}
    assert len(space) > 50 * len(DEFAULT_ARMS)


def test_an_attack_outside_the_space_is_refused():
    with pytest.raises(ValueError, match="size"):
        composition_of(Spec(name="figstep", params={"size": 128}))


def test_a_carrier_ignores_the_factors_it_does_not_read():
    text = canonical([0, 1, 2, 2, 2, 2, 2, 2, 1])
    assert text == (0, 1, -1, -1, -1, -1, -1, -1, -1)
    rotated = composition_of(parse_spec("figstep:rotation=45"))
    plain = composition_of(parse_spec("figstep"))
    assert hamming(rotated, plain) == 1 and hamming(text, plain) == 7
    assert novelty(rotated, []) == 1.0 and novelty(rotated, [plain]) == pytest.approx(1 / 9)


def test_reinforce_moves_probability_toward_a_rewarded_composition_and_away_from_a_punished():
    comp = composition_of(parse_spec("figstep_pro:rows=1,cols=3,gap=10"))
    policy = FactoredPolicy()
    before = policy.probs(7)[comp[7]]
    policy.update([(comp, 1.0)], lr=1.0)
    assert policy.probs(7)[comp[7]] > before and policy.probs(0)[comp[0]] > 0.25
    assert policy.probs(1).tolist() == [0.5, 0.5]  # the text template was not in play
    policy.update([(comp, -3.0)], lr=1.0)
    assert policy.probs(7)[comp[7]] < before
    draws = {policy.sample(np.random.default_rng(3)) for _ in range(5)}
    assert all(canonical(c) == c for c in draws)


def test_distinct_and_diversity_intervals_hold_their_values():
    a, b = composition_of(parse_spec("figstep_pro")), composition_of(parse_spec("figstep"))
    c = composition_of(parse_spec("text_only"))
    found = {"p1": [a, b], "p2": [a], "p3": [c]}
    distinct = distinct_estimate(found, probes=5)
    assert distinct.value == 3 and distinct.n == 5
    assert distinct.ci_low <= 3 <= distinct.ci_high
    diversity = diversity_estimate(found, probes=5)
    # pro vs plain: carrier + tiles; text vs each: carrier, template, typography (+ tiles)
    assert diversity.value == pytest.approx((2 + 7 + 8) / 3)
    assert diversity.ci_low <= diversity.value <= diversity.ci_high
    assert diversity_estimate({"p1": [a]}, probes=3).value is None
    assert distinct_estimate({}, probes=0).value is None


def test_the_bandits_finds_map_to_compositions():
    rotated = build_attack(parse_spec("figstep:rotation=45")).label
    found = bandit_successes({"p1": rotated, "p2": "figstep_pro"}, DEFAULT_ARMS)
    assert found["p1"] == [composition_of(parse_spec("figstep:rotation=45"))]
    assert distinct_estimate(found, probes=2).value == 2
