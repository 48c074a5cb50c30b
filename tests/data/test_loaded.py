"""A user's loaded dataset as a source, on a real folder in tmp_path: what it answers per kind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from vlmtrust.core.errors import DataError
from vlmtrust.data.loaded import FolderSource
from vlmtrust.data.source import (
    Canaries,
    LoadOptions,
    MembershipPool,
    NotSupplied,
    Probes,
    Prompts,
    Scenes,
    Twins,
)
from vlmtrust.data.sources import open_source
from vlmtrust.data.world.pool import PoolRecipe


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Four images, two of them asking a prompt, one flagged harmful; plus one broken file."""
    rows = []
    for i in range(4):
        Image.new("RGB", (8, 8), (60 * i, 0, 0)).save(tmp_path / f"p{i}.png")
        row: dict[str, object] = {"file": f"p{i}.png", "shape": "circle"}
        if i % 2:
            row |= {"prompt": f"request {i}", "harmful": i == 1}
        rows.append(row)
    (tmp_path / "broken.png").write_bytes(b"not a png")
    rows.append({"file": "broken.png"})
    (tmp_path / "labels.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return tmp_path


def _ids(samples) -> list[str]:
    return [s.id for s in samples]


def test_it_stands_in_for_scenes_twins_and_pools_with_all_its_samples(folder: Path) -> None:
    source = open_source(folder, LoadOptions(on_bad="skip"))
    everything = ["p0", "p1", "p2", "p3"]
    assert _ids(source.samples(Scenes(n=1, family="people"))) == everything
    assert _ids(source.samples(Twins(pairs=1))) == everything
    pool = MembershipPool(
        organism="clip", recipe=PoolRecipe(), n=1, member_seed=None, nonmember_seed=5
    )
    assert _ids(source.samples(pool)) == everything
    assert [Path(b.path).name for b in source.skipped] == ["broken.png"]


def test_limit_keeps_the_first_entries_and_a_bad_one_fails_by_default(folder: Path) -> None:
    assert _ids(open_source(folder, LoadOptions(limit=2)).samples(Scenes(n=9))) == ["p0", "p1"]
    with pytest.raises(DataError, match=r"broken\.png"):
        open_source(folder)


def test_prompts_are_its_samples_that_carry_one_and_it_plants_no_canaries(folder: Path) -> None:
    source = open_source(folder, LoadOptions(on_bad="skip"))
    assert _ids(source.samples(Prompts())) == ["p1", "p3"]
    assert source.samples(Canaries()) == []


def _probes(harmful: bool, n: int | None = None) -> Probes:
    return Probes(harmful=harmful, probes="harmful_v1", sets=("zoo",), n=n, task="safety.x")


def test_probes_are_its_rows_by_their_harmful_label() -> None:
    from vlmtrust.core.records import Sample

    rows = [Sample(id=f"r{i}", prompt="p", labels={"harmful": v}) for i, v in enumerate("1001")]
    source = FolderSource(rows)
    harmful = source.samples(_probes(True))
    assert _ids(harmful) == ["r0", "r3"] and all(s.labels["harmful"] is True for s in harmful)
    assert _ids(source.samples(_probes(False, n=1))) == ["r1"]


def test_a_probe_row_without_what_the_task_needs_names_row_and_task(folder: Path) -> None:
    source = open_source(folder, LoadOptions(on_bad="skip"))
    with pytest.raises(DataError, match=r"'p0' has no prompt, which safety\.x"):
        source.samples(_probes(True))
    only_benign = FolderSource([s for s in source.samples(Prompts()) if s.id == "p3"])
    with pytest.raises(NotSupplied, match=r"no rows with harmful=true, which safety\.x"):
        only_benign.samples(_probes(True))


def test_its_summary_counts_rows_per_category_and_fingerprints_their_content() -> None:
    from vlmtrust.core.records import Sample

    rows = [Sample(id=f"r{i}", prompt="p", labels={"category": c}) for i, c in enumerate("aab")]
    summary = FolderSource([*rows, Sample(id="x", prompt="q")]).summary()
    assert summary.size == 4 and summary.counts == {"all": {"a": 2, "b": 1, "-": 1}}
    changed = FolderSource([*rows, Sample(id="x", prompt="other")]).summary()
    assert changed.fingerprint != summary.fingerprint
