"""A harmful-only benchmark answers harmful probes (at most n, in its interleaved order) and
nothing else: each other request is NotSupplied, with the reason a pillar suite shows."""

from __future__ import annotations

import pytest

from vlmtrust.core.records import Sample
from vlmtrust.data.benchmarks.harmful import HarmfulBenchmark
from vlmtrust.data.benchmarks.layout import Layout, Loaded
from vlmtrust.data.source import Canaries, LoadOptions, NotSupplied, Probes, Prompts, Scenes, Twins


class Bench(HarmfulBenchmark):
    name = "bench"
    layout = Layout("Bench", "bench.csv")

    @classmethod
    def open(cls, path: str, options: LoadOptions) -> Bench:
        rows = [Sample(id=f"r{i}", prompt="[placeholder]") for i in range(3)]
        return cls(Loaded(rows, [], [], "f" * 64, {"all": {"x": 3}}))


def test_harmful_probes_are_its_rows_and_nothing_else_is_supplied() -> None:
    bench = Bench.open("", LoadOptions())
    asked = Probes(harmful=True, probes="harmful_v1", sets=("zoo",), n=2, task="safety.x")
    assert [s.id for s in bench.samples(asked)] == ["r0", "r1"]
    benign = Probes(harmful=False, probes="harmful_v1", sets=("zoo",), task="safety.y")
    with pytest.raises(NotSupplied, match=r"Bench holds harmful requests only.*safety\.y"):
        bench.samples(benign)
    for request in (Scenes(n=2), Twins(pairs=1), Canaries(), Prompts()):
        with pytest.raises(NotSupplied, match=f"cannot supply {request.kind}"):
            bench.samples(request)
    summary = bench.summary()
    assert summary.size == 3 and summary.fingerprint == "f" * 64 and summary.name == "bench"
