"""Which cap set a task's sample count: printed when it wins over --limit, always recorded in
the run header (a real scan of a tiny CLIP checkpoint on a real store; the rules on their own)."""

from io import StringIO
from pathlib import Path

from rich.console import Console

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.runner import run
from vlmtrust.runner.caps import SampleCap
from vlmtrust.store import ResultStore


def _zero_shot_scan(clip_dir: Path, out: Path, limit: int) -> tuple[str, dict]:
    task = Spec(name="robustness.zero_shot", params={"n": 4, "corruptions": ["jpeg"]})
    config = RunConfig(
        model=f"hf:{clip_dir}", tasks=(task,), out=out, limit=limit, show_progress=False
    )
    said = StringIO()
    run(config, Console(file=said, width=300))
    with ResultStore.in_dir(out) as store:
        header = store.latest_header()
    assert header is not None
    return said.getvalue(), header["sample_caps"]["robustness.zero_shot"]


def test_a_task_n_below_limit_is_named_with_the_fix_and_recorded(tiny_clip, tmp_path):
    said, cap = _zero_shot_scan(tiny_clip, tmp_path / "run", limit=10)
    assert (
        "robustness.zero_shot: 4 samples (its n=4 caps --limit 10; pass --task "
        'robustness.zero_shot:n=10,corruptions=["jpeg"])' in said
    )
    assert cap == {"limit": 10, "task_n": 4, "source_size": None, "used": 4, "capped_by": "task n"}


def test_nothing_is_said_when_the_limit_applies(tiny_clip, tmp_path):
    said, cap = _zero_shot_scan(tiny_clip, tmp_path / "run", limit=3)
    assert "capped" not in said
    assert cap == {"limit": 3, "task_n": 4, "source_size": None, "used": 3, "capped_by": None}


def _cap(used: int, limit: int | None, task_n: int | None, size: int | None) -> SampleCap:
    return SampleCap(
        task="t",
        spec=Spec(name="t"),
        used=used,
        limit=limit,
        task_n=task_n,
        source="faces" if size is not None else None,
        source_size=size,
    )


def test_a_small_data_source_is_named_as_the_cap():
    cap = _cap(used=50, limit=1000, task_n=None, size=50)
    assert cap.capped_by == "data source"
    assert cap.message() == (
        "t: 50 samples (the data source faces holds 50, below --limit 1000; add data to raise it)"
    )


def test_without_a_limit_or_at_it_nothing_capped():
    assert _cap(used=200, limit=None, task_n=200, size=None).message() is None
    assert _cap(used=100, limit=100, task_n=200, size=500).message() is None


def test_a_task_drawing_fewer_for_its_own_reasons_says_so():
    cap = _cap(used=6, limit=7, task_n=None, size=None)
    assert cap.capped_by == "task"
    assert (
        cap.message()
        == "t: 6 samples (the task draws no more than that from its parameters; --limit 7)"
    )
