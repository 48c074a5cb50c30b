"""What the group-annotated benchmarks (FairFace, UTKFace) share: answering the fairness tasks'
requests (checking a copy against its published layout and counts is in :mod:`.layout`).

A benchmark of labelled faces is a pool of group-annotated images: it answers scenes and twin
pools (the images, each with its groups in the benchmark's own words), and says it cannot supply
what it does not hold (real counterfactual twins, prompts, probes, canaries, a membership pool),
so a pillar suite leaves those tasks out with the reason instead of scoring nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import ClassVar

from vlmtrust.core.records import Sample
from vlmtrust.core.spec import sha256_hex
from vlmtrust.data import BadItem
from vlmtrust.data.source import (
    DataSource,
    DataSummary,
    NotSupplied,
    SampleRequest,
    Scenes,
    Twins,
)


class GroupBenchmark(DataSource):
    """Loaded samples of one benchmark, with its group vocabularies and any count warnings."""

    #: attribute -> its values, in the benchmark's own words (its own order)
    attributes: ClassVar[Mapping[str, tuple[str, ...]]] = {}

    def __init__(
        self,
        samples: Sequence[Sample],
        skipped: Sequence[BadItem] = (),
        warnings: Sequence[str] = (),
        split: str = "all",
    ) -> None:
        self._samples = tuple(samples)
        self._skipped = tuple(skipped)
        self._warnings = tuple(warnings)
        self._split = split

    @property
    def skipped(self) -> tuple[BadItem, ...]:
        return self._skipped

    @property
    def warnings(self) -> tuple[str, ...]:
        return self._warnings

    @property
    def group_attributes(self) -> dict[str, tuple[str, ...]]:
        return dict(self.attributes)

    @classmethod
    def label_values(cls, label: str) -> tuple[str, ...] | None:
        return cls.attributes.get(label)

    def summary(self) -> DataSummary:
        """Rows per group (``race=White``...) of the split read; the fingerprint hashes every
        loaded sample's content (image, labels, groups), so results are keyed to this copy."""
        counts = Counter(
            f"{attribute}={s.groups[attribute]}"
            for s in self._samples
            for attribute in self.attributes
            if attribute in s.groups
        )
        fingerprint = sha256_hex(*(s.content_hash() for s in self._samples))
        return DataSummary(
            self.name, len(self._samples), fingerprint, {self._split: dict(counts)}, self.warnings
        )

    def samples(self, request: SampleRequest) -> list[Sample]:
        if isinstance(request, Twins) and request.paired:
            who = request.task or "this task"
            raise NotSupplied(
                f"the {self.name} data source has no counterfactual twins (two images differing "
                f"only in the group), which {who} compares",
                f"run {who} without --data (world twins), or on a folder: data set whose twins "
                "share a 'pair' label",
            )
        if isinstance(request, Scenes | Twins):
            return list(self._samples)
        raise self.cannot_supply(request)
