"""The gallery reads a condition's results from the store on lookup (real SQLite)."""

import pytest

from vlmtrust.core.records import Sample, Score
from vlmtrust.runner.examples import FetchedOnGet
from vlmtrust.store import ResultStore, StoredResult


def _result(key: str, sample_id: str) -> StoredResult:
    score = Score(sample_id=sample_id, metric="correct", value=1.0)
    return StoredResult(
        key=key,
        task="t",
        attack="none",
        mitigation="none",
        model="m",
        sample_id=sample_id,
        scores=(score,),
    )


def test_results_are_read_on_lookup_as_the_held_mapping_gave_them(tmp_path):
    samples = [Sample(id=f"s{i}") for i in range(5)]
    keys = [f"k{i}" for i in range(5)]
    stored = [_result(k, s.id) for k, s in zip(keys, samples, strict=True) if k != "k2"]
    with ResultStore.in_dir(tmp_path) as store:
        store.append(stored)
        results = FetchedOnGet(store, samples, keys)
        assert dict(results) == {r.sample_id: r for r in stored}
        assert results.get("s2") is None and results.get("other") is None
        with pytest.raises(KeyError):
            results["s2"]
