"""The safety benchmarks that hold harmful requests only (FigStep's SafeBench, MM-SafetyBench):
they answer ``safety.jailbreak``'s harmful probes, and have nothing for a task that asks for
benign rows or scenes, so a pillar suite leaves that task out with the reason."""

from __future__ import annotations

from vlmtrust.core.records import Sample
from vlmtrust.data.benchmarks.layout import BenchmarkSource
from vlmtrust.data.source import NotSupplied, Probes, SampleRequest


class HarmfulBenchmark(BenchmarkSource):
    """Rows are already interleaved across the benchmark's categories, so the first ``n`` of a
    request cover every category."""

    feeds = "safety.jailbreak (harmful requests; conditions published, text_only, figstep, ...)"

    def samples(self, request: SampleRequest) -> list[Sample]:
        if not isinstance(request, Probes):
            raise self.cannot_supply(request)
        if not request.harmful:
            task = request.task or "this task"
            raise NotSupplied(
                f"{self.layout.title} holds harmful requests only, no benign rows, which "
                f"{task} scores",
                f"run {task} without --data (the world's benign twins), or with a data set "
                "that has benign rows",
            )
        rows = self._loaded.samples
        return list(rows if request.n is None else rows[: request.n])
