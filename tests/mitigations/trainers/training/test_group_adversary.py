"""The group adversary's pieces on seeded synthetic states: the fresh probe finds a group
written into one direction and not one that is absent, the confusion term is ln(groups) at
chance, and the paired test counts the held-out rows that changed."""

import math

import numpy as np
import pytest
import torch

from vlmtrust.mitigations.trainers.training.group_adversary import (
    ProbeResult,
    adversary_loss,
    confusion,
    group_adversary,
    paired_probe_change,
    probe_rows,
)


def _states(carry: float, rows: int = 120, positions: int = 3, width: int = 16):
    rng = np.random.default_rng(0)
    groups = [("A", "B")[i % 2] for i in range(rows)]
    owner = np.repeat(np.arange(rows), positions)
    states = rng.normal(size=(rows * positions, width))
    sign = np.where(np.asarray(groups)[owner] == "A", 1.0, -1.0)
    states[:, 0] += carry * sign
    return states, owner, groups


def test_the_probe_finds_a_group_written_in_the_states_and_not_an_absent_one():
    carried = probe_rows(*_states(carry=2.0), fitted_rows=60)
    absent = probe_rows(*_states(carry=0.0), fitted_rows=60)
    assert len(carried.correct) == len(absent.correct) == 60
    assert carried.summary()["value"] >= 0.9
    low, high = absent.summary()["ci_low"], absent.summary()["ci_high"]
    assert low is not None and high is not None and low <= 0.5 <= high


def test_confusion_is_ln_groups_for_an_adversary_at_chance_and_its_loss_reads_masks():
    adversary = group_adversary(8, 2)
    for p in adversary.parameters():
        torch.nn.init.zeros_(p)  # logits all 0: the uniform guess
    states = torch.randn(4, 5, 8)
    mask = torch.zeros(4, 5, dtype=torch.bool)
    mask[:, :2] = True
    assert float(confusion(adversary, states, mask).detach()) == pytest.approx(math.log(2))
    loss = adversary_loss(adversary, states, mask, torch.tensor([0, 1, 0, 1]))
    assert float(loss.detach()) == pytest.approx(math.log(2))


def test_the_paired_change_counts_rows_lost_and_gained():
    before = ProbeResult((True, True, True, False))
    after = ProbeResult((False, False, True, True))
    change = paired_probe_change(before, after)
    assert (change["lost"], change["gained"]) == (2, 1)
    assert change["p_value"] == pytest.approx(1.0)
