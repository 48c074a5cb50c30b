"""The red-team searches' shared task shape: one campaign Sample naming its probes, which
``probes_of`` gives back in the named order, for either search."""

import pytest

from vlmtrust.core.spec import Spec
from vlmtrust.tasks.base import DataContext, build_task


@pytest.mark.parametrize("name", ["safety.red_team", "safety.rl_red_team"])
def test_the_campaign_names_its_probes_and_gives_them_back_in_order(name):
    task = build_task(Spec(name=name, params={"budget": 4}))
    (campaign,) = task.samples(DataContext(seed=0, limit=5))
    named = str(campaign.labels["probes"]).split(",")
    assert len(named) == 5 and campaign.source == name.removeprefix("safety.")
    assert [p.id for p in task.probes_of(campaign)] == named
    assert [c.name for c in task.conditions()] == ["none"]
    assert task.resolve([campaign]) is task  # no transfer model: nothing to pin
