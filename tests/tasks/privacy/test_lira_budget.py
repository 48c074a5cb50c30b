"""LiRA's shadow models under budgets: the first shadow's training is counted and the rest cut
to fit (at least one shadow), recorded with the shared cut fields; (slow) on zoo:clip a tiny
budget trains one shadow through the runner, records it in the lira rows and prints it, and the
default 8 shadows fit the default work budget."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import torch
from rich.console import Console

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.core.work_budget import DEFAULT_WORK_FLOPS
from vlmtrust.runner import run
from vlmtrust.tasks.privacy.lira import _plan_shadows, shadow_cut

SIDE = 16


class OneStep:
    """A real (trivial) trainer: one forward + backward of the head on the data, 2 x SIDE^3
    FLOPs forward and as many for the weight's gradient."""

    def train_head(self, head: torch.nn.Module, data: torch.Tensor) -> None:
        head(data).sum().backward()


def _plan(budget_flops: float, budget_s: float | None = None, head=None):
    head = head if head is not None else torch.nn.Linear(SIDE, SIDE, bias=False)
    return _plan_shadows(OneStep(), head, torch.randn(SIDE, SIDE), 8, budget_flops, budget_s)


def test_the_first_shadow_is_counted_and_the_rest_cut_to_fit() -> None:
    cost = 2 * 2 * SIDE**3
    head = torch.nn.Linear(SIDE, SIDE, bias=False)
    full = _plan(8 * cost, head=head)
    assert (full.units, full.scaled, full.cost_per_unit) == (8, False, cost)
    assert head.weight.grad is None  # a copy was counted: the shadow itself trains apart
    assert shadow_cut(full, 8, "steps") == {}
    cut = _plan(3 * cost)
    assert (cut.units, cut.scaled, cut.full_estimate) == (3, True, 8 * cost)
    record = shadow_cut(cut, 3, "steps")["cut"]
    assert (record["shadows_planned"], record["shadows_trained"], record["steps_run"]) == (
        8,
        3,
        [3],
    )
    assert record["rule"] == "work" and record["summary"].startswith("work budget: 8 shadow")
    assert _plan(1.0).units == 1  # one shadow still gives the pooled variance
    timed = _plan(1.0, budget_s=1e-9, head=head)
    assert timed.rule == "time" and timed.units == 1
    assert head.weight.grad is not None  # the time rule trained the first shadow while timing
    stopped = shadow_cut(timed, 1, "budget")["cut"]
    assert stopped["stopped"] == {"steps": 0, "budget": 1} and stopped["unit"] == "s"
    assert "the deadline stopped the rest" in stopped["summary"]


@pytest.mark.slow  # shadow pools of 256 world scenes and a zoo:clip scan through the runner
@pytest.mark.timeout(900)
def test_a_tiny_budget_trains_one_shadow_on_zoo_clip_and_says_so(tmp_path: Path) -> None:
    buffer = io.StringIO()
    params = {"n": 10, "resamples": 100, "shadows": 3, "budget_flops": 1.0}
    summary = run(
        RunConfig(
            model="zoo:clip",
            tasks=(Spec(name="privacy.membership", params=params),),
            out=tmp_path / "run",
        ),
        console=Console(file=buffer, width=400),
    )
    auc = next(r for r in summary.metrics if r.attack == "lira" and r.metric == "auc")
    assert auc.details["shadows"] == 1
    cut = auc.details["cut"]
    assert (cut["shadows_planned"], cut["shadows_trained"]) == (3, 1)
    # the counted cost of one shadow: the default 8 fit the default budget with a wide margin
    assert 8 * cut["cost_per_shadow"] * 10 < DEFAULT_WORK_FLOPS
    assert "budget privacy.membership: work budget: 3 shadow models" in buffer.getvalue()
