"""An adversary that reads a protected group from a generator's hidden states, the confusion
term that trains the states against it, and a fresh probe that checks afterwards what is left.

The adversary classifies every answer-writing position on its own (``AnswerStates`` gives the
states and the mask): pooling first would let the states carry the group at single positions and
cancel out in the mean. The decoder is trained against it with the cross-entropy to the uniform
guess (Alvi et al. 2018, as ``dear`` does), which is bounded; maximising the adversary's own loss
is not, and rewards a confidently wrong adversary, which still reads the group.

A trained adversary can be fooled without the group being gone, so the evidence is a fresh
linear probe fitted afterwards on held-out states (the output head is linear in these states:
a group that no linear read finds is not one the answer's logits can follow).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from vlmtrust.metrics.declared_groups import interval, proportion
from vlmtrust.metrics.paired import mcnemar_exact

StatesOf = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


def group_adversary(width: int, groups: int, hidden: int = 64) -> nn.Module:
    """A small MLP from one position's state to the group's logits."""
    return nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Linear(hidden, groups))


def adversary_loss(
    adversary: nn.Module, states: torch.Tensor, mask: torch.Tensor, groups: torch.Tensor
) -> torch.Tensor:
    """Cross-entropy of the group at every masked position (each row's group repeated)."""
    rows = groups[:, None].expand_as(mask)[mask]
    return nn.functional.cross_entropy(adversary(states[mask]), rows)


def confusion(adversary: nn.Module, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Cross-entropy to the uniform guess over every masked position: ln(groups) at chance."""
    uniform_ce: torch.Tensor = -adversary(states[mask]).log_softmax(-1).mean()
    return uniform_ce


@torch.no_grad()
def collect_states(
    states_of: StatesOf, rows: int, batch_size: int = 128
) -> tuple[np.ndarray, np.ndarray]:
    """(every masked state (positions, width), the row each belongs to) for ``rows`` rows."""
    found, owner = [], []
    for start in range(0, rows, batch_size):
        idx = torch.arange(start, min(rows, start + batch_size))
        states, mask = states_of(idx)
        found.append(states[mask].float().numpy())
        owner.append(idx[:, None].expand_as(mask)[mask].numpy())
    return np.concatenate(found), np.concatenate(owner)


@dataclass(frozen=True)
class ProbeResult:
    """Which held-out rows a fresh probe got right, and the accuracy with its interval."""

    correct: tuple[bool, ...]

    def summary(self) -> dict[str, float | int | None]:
        return interval(proportion(sum(self.correct), len(self.correct)))


def probe_rows(
    states: np.ndarray, owner: np.ndarray, groups: Sequence[str], fitted_rows: int
) -> ProbeResult:
    """A fresh logistic-regression probe fitted on the positions of rows ``< fitted_rows``
    and tested on the others: a held-out row is predicted by the mean log-probability of its
    positions."""
    from sklearn.linear_model import LogisticRegression

    labels = np.asarray(groups)[owner]
    fit = owner < fitted_rows
    probe = LogisticRegression(max_iter=2000).fit(states[fit], labels[fit])
    logp = np.log(np.clip(probe.predict_proba(states[~fit]), 1e-12, None))  # sure: no -inf
    test_owner = owner[~fit]
    correct = []
    for row in range(fitted_rows, len(groups)):
        mean = logp[test_owner == row].mean(axis=0)
        correct.append(bool(probe.classes_[int(mean.argmax())] == groups[row]))
    return ProbeResult(tuple(correct))


def paired_probe_change(before: ProbeResult, after: ProbeResult) -> dict[str, float | int]:
    """McNemar's exact test on the same held-out rows: right before and wrong after (b)
    against wrong before and right after (c)."""
    pairs = list(zip(before.correct, after.correct, strict=True))
    b = sum(x and not y for x, y in pairs)
    c = sum(y and not x for x, y in pairs)
    return {"lost": b, "gained": c, "p_value": round(mcnemar_exact(b, c), 6)}
