"""What the red-team searches share as tasks: the whole campaign is one Sample naming the
shipped probes it attacks (so a search is a pure function of its parameters and the model, and
the runner caches it like any other result), one condition, and the transfer model checked and
pinned at planning. Each search supplies only its ``_campaign``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from vlmtrust.core.records import Sample, Score
from vlmtrust.core.spec import Spec
from vlmtrust.data.probes import load_probes
from vlmtrust.tasks.base import DataContext, Task
from vlmtrust.tasks.safety.probing import ProbeParams, probe_request
from vlmtrust.tasks.safety.transfer_replay import pin_transfer


class CampaignTask(Task):
    """A search over attacks on the shipped probes (whatever ``--data`` is: it mutates their
    requests), returning one Score per campaign."""

    requires = ("Generator",)
    #: the ``source`` of the campaign's one Sample
    campaign_source: ClassVar[str]

    def samples(self, ctx: DataContext) -> list[Sample]:
        assert isinstance(self.params, ProbeParams)
        probes = ctx.reference(probe_request(self.params, True, self.spec.name, ctx.limit))
        ids = ",".join(p.id for p in probes)
        return [Sample(id="campaign", labels={"probes": ids}, source=self.campaign_source)]

    def resolve(self, samples: Sequence[Sample]) -> Task:
        """Check the transfer model now (one-line errors before a run) and pin it into the
        cache key."""
        return pin_transfer(self)

    def conditions(self) -> list[Spec]:
        return [Spec(name="none")]

    def score(self, model: Any, samples: Sequence[Sample]) -> list[list[Score]]:
        return [[self._campaign(model, s)] for s in samples]

    def probes_of(self, campaign: Sample) -> list[Sample]:
        """The probes the campaign Sample names, in its order."""
        assert isinstance(self.params, ProbeParams)
        wanted = str(campaign.labels["probes"]).split(",")
        by_id = {p.id: p.to_sample() for p in load_probes(self.params.probes)}
        return [by_id[i] for i in wanted]

    def _campaign(self, model: Any, campaign: Sample) -> Score:
        raise NotImplementedError
