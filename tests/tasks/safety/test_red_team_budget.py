"""safety.red_team under budgets: the first round counts what a query costs (FLOPs of a real,
small torch generator) and the campaign's queries are cut to fit budget_flops, a tiny budget_s
ends it after its first round, both recorded and printed; a model that runs no torch ops counts
nothing and is never cut; (slow) zoo:assistant's default campaign fits the default budget."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from rich.console import Console

from vlmtrust.core.spec import Spec
from vlmtrust.core.unit_progress import listening
from vlmtrust.core.work_budget import DEFAULT_WORK_FLOPS, count_flops
from vlmtrust.runner.cuts import report_cuts
from vlmtrust.tasks.base import DataContext, build_task

SIDE = 32
#: FLOPs of one query of RefusesAfterThinking: one SIDE x SIDE x SIDE matmul
PER_QUERY = 2 * SIDE**3


class RefusesAfterThinking:
    """A real (trivial) Generator that does a fixed amount of torch work per query and refuses
    everything, so a campaign spends every query it is allowed."""

    def __init__(self) -> None:
        self.weight = torch.randn(SIDE, SIDE)

    def generate(self, images, prompts):
        out = []
        for image in images:
            grey = float(np.asarray(image.convert("L")).mean()) if image is not None else 0.0
            (torch.full((SIDE, SIDE), grey) @ self.weight).sum()
            out.append("I can't help with that.")
        return out


class RefusesWithoutTorch(RefusesAfterThinking):
    def generate(self, images, prompts):
        return ["I can't help with that." for _ in images]


def _campaign(model, limit: int = 5, **params):
    task = build_task(Spec(name="safety.red_team", params={"budget": 60, "seed": 0, **params}))
    samples = task.samples(DataContext(seed=0, limit=limit))
    scores = {"none": [s for row in task.score(model, samples) for s in row]}
    return {r.metric: r for r in task.aggregate(scores, "none", "test")}


def _printed(rows) -> str:
    buffer = io.StringIO()
    report_cuts(rows.values(), Console(file=buffer, width=400))
    return buffer.getvalue()


def test_a_query_cost_over_the_budget_cuts_the_queries_and_says_so() -> None:
    model = RefusesAfterThinking()
    assert count_flops(lambda: model.generate([None], ["x"])) == PER_QUERY
    rows = _campaign(model, budget_flops=12 * PER_QUERY)
    assert rows["queries_spent"].value == 12  # the first round (5 probes), then 7 more
    cut = rows["broken_rate"].details["cut"]
    assert cut["rule"] == "work" and cut["cost_per_query"] == pytest.approx(PER_QUERY, rel=1e-3)
    assert (cut["queries_planned"], cut["queries_allowed"], cut["steps_run"]) == (60, 12, [12])
    assert cut["full_estimate"] == pytest.approx(60 * PER_QUERY, rel=1e-3)
    assert cut["stopped"]["budget"] == 0
    assert "budget safety.red_team: work budget: 60 queries" in _printed(rows)
    assert "cut to 12 queries, 12 spent" in _printed(rows)


def test_each_round_is_reported_with_the_queries_spent() -> None:
    heard: list[str] = []
    with listening(heard.append):
        rows = _campaign(RefusesAfterThinking(), budget_flops=12 * PER_QUERY)
    assert heard == [
        "round 1: 5 queries, 0/60 spent, 0/5 probes broken",
        "round 2: 5 queries, 5/12 spent, 0/5 probes broken",
        "round 3: 2 queries, 10/12 spent, 0/5 probes broken",
    ]
    assert rows["queries_spent"].value == 12


def test_a_tiny_budget_s_ends_the_campaign_after_its_first_round() -> None:
    rows = _campaign(RefusesAfterThinking(), budget_s=1e-9)
    assert rows["queries_spent"].value == 5  # the first round, which measured the cost
    cut = rows["broken_rate"].details["cut"]
    assert cut["rule"] == "time" and cut["unit"] == "s" and cut["queries_allowed"] == 1
    assert cut["steps_run"] == [5] and cut["budget"] == 1e-9
    assert "budget safety.red_team: time budget: 60 queries" in _printed(rows)


def test_a_campaign_that_fits_or_runs_no_torch_records_no_cut() -> None:
    fits = _campaign(RefusesAfterThinking())
    assert fits["queries_spent"].value == 60 and "cut" not in fits["broken_rate"].details
    untorched = _campaign(RefusesWithoutTorch(), budget_flops=1.0)
    assert untorched["queries_spent"].value == 60
    assert "cut" not in untorched["broken_rate"].details and _printed(untorched) == ""


@pytest.mark.slow
@pytest.mark.timeout(900)  # generation on 2 shared cores
def test_zoo_assistants_default_campaign_fits_the_default_budget() -> None:
    from vlmtrust.data.probes import load_probes
    from vlmtrust.models.base import resolve_model
    from vlmtrust.tasks.safety.probing import ask

    model = resolve_model("zoo:assistant").load()
    task = build_task(Spec(name="safety.red_team"))
    (campaign,) = task.samples(DataContext(seed=0, limit=6))
    by_id = {p.id: p.to_sample() for p in load_probes(task.params.probes)}
    probes = [by_id[i] for i in str(campaign.labels["probes"]).split(",")]
    per_query = count_flops(lambda: ask(model, probes)) / len(probes)
    assert per_query > 0  # its decoder runs torch ops (4.5e7 FLOPs a query measured)
    assert 100 * task.params.budget * per_query < DEFAULT_WORK_FLOPS
