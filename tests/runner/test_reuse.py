"""A fully cached re-run draws nothing, runs no model and reuses the derived rows; a scan that
plans from sample identity stores what a scan drawing every sample stores (real tiny CLIP,
real SQLite)."""

import sqlite3
from dataclasses import dataclass

import pytest

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.runner import run
from vlmtrust.tasks.robustness.zero_shot import ZeroShot


@dataclass
class Counts:
    draws: int = 0
    aggregations: int = 0


@pytest.fixture
def counts(monkeypatch) -> Counts:
    """The real world renderer and the real aggregation (zero-shot's: from score columns),
    each counted."""
    from vlmtrust.data.world import dataset

    counter = Counts()
    render, aggregate = dataset.render, ZeroShot.aggregate_columns

    def counted_render(scene):
        counter.draws += 1
        return render(scene)

    def counted_aggregate(self, *args, **kwargs):
        counter.aggregations += 1
        return aggregate(self, *args, **kwargs)

    monkeypatch.setattr(dataset, "render", counted_render)
    monkeypatch.setattr(ZeroShot, "aggregate_columns", counted_aggregate)
    return counter


def _config(clip_dir, out, n: int = 12, mitigations: tuple[str, ...] = ()) -> RunConfig:
    return RunConfig(
        model=f"hf:{clip_dir}",
        tasks=(Spec(name="robustness.zero_shot", params={"n": n, "corruptions": ["jpeg"]}),),
        out=out,
        batch_size=5,
        show_progress=False,
        mitigations=mitigations,
    )


def _table(out, table: str) -> list[tuple]:
    db = sqlite3.connect(out / "results.sqlite")
    try:
        return db.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4, 5").fetchall()
    finally:
        db.close()


def test_a_cached_rerun_draws_nothing_runs_no_model_and_reuses_the_rows(
    tiny_clip, tmp_path, counts
):
    config = _config(tiny_clip, tmp_path / "run")
    first = run(config)
    assert first.executed == 24 and counts.aggregations == 1
    # drawn once to hash while planning, once more per batch that runs (both conditions take
    # the same batch in turn), and at most 3 per condition for the gallery
    assert 24 <= counts.draws <= 24 + 6
    counts.draws = counts.aggregations = 0
    second = run(config)
    assert (second.reused, second.executed, second.model_calls) == (24, 0, 0)
    assert (counts.draws, counts.aggregations) == (0, 0)
    assert second.metrics == first.metrics
    assert [f.model_dump() for f in second.findings] == [f.model_dump() for f in first.findings]


def test_rows_are_derived_again_once_another_plan_has_replaced_them(tiny_clip, tmp_path, counts):
    out = tmp_path / "run"
    first = run(_config(tiny_clip, out))
    run(_config(tiny_clip, out, n=8))  # same task rows, fewer samples: replaces them
    counts.aggregations = 0
    again = run(_config(tiny_clip, out))
    assert again.executed == 0 and counts.aggregations == 1
    assert again.metrics == first.metrics
    assert {r.n for r in again.metrics if r.metric == "accuracy"} == {12}


def test_planning_from_identity_stores_what_drawing_every_sample_stores(
    tiny_clip, tmp_path, monkeypatch
):
    lazy = tmp_path / "lazy"
    run(_config(tiny_clip, lazy))
    run(_config(tiny_clip, lazy))  # planned from the kept rows
    monkeypatch.setattr(ZeroShot, "sample_request", lambda self, ctx: None)  # today's path
    eager = tmp_path / "eager"
    run(_config(tiny_clip, eager))
    for table in ("results", "metrics", "examples", "terms"):
        assert _table(lazy, table) == _table(eager, table), table


def test_units_draw_their_images_only_when_taken(tiny_clip, tmp_path, counts):
    from rich.console import Console

    from vlmtrust.runner.run import _units, attach_store, prepare
    from vlmtrust.store import ResultStore

    config = _config(tiny_clip, tmp_path / "run")
    run(config)  # keeps the drawn rows, so planning again draws nothing
    prepared = prepare(config, Console(quiet=True))
    counts.draws = 0
    with ResultStore.in_dir(config.out) as store:
        attach_store(prepared.cells, store)  # the planned rows stay in the store, read from it
        units = _units(prepared.cells, lambda _: set(), prepared.handle, batch_size=5)
        assert len(units) == 6 and counts.draws == 0  # 12 samples x 2 conditions, 5 a unit
        assert len(units[1].samples) == 5 and all(s.image for s in units[1].samples)
    assert counts.draws == 5


def test_units_hold_the_names_of_their_results_only_until_stored(tiny_clip, tmp_path):
    """The names a result is stored under are noted when its unit is built and dropped when it
    is stored, so a scan holds them for the units in flight, not for every planned result."""
    from rich.console import Console

    from vlmtrust.runner.executor import UnitResult
    from vlmtrust.runner.run import _stored, _units, prepare

    prepared = prepare(_config(tiny_clip, tmp_path / "run"), Console(quiet=True))
    units = _units(prepared.cells, lambda _: set(), prepared.handle, batch_size=5)
    assert units.origins == {}
    unit = units[1]
    assert set(units.origins) == set(unit.keys)
    scores = tuple(() for _ in unit.keys)
    done = _stored(UnitResult(keys=unit.keys, scores=scores, model_calls=0), units.origins, "m")
    assert units.origins == {}
    cell = next(c for c in prepared.cells if unit.keys[0] in c.keys)
    assert [(r.task, r.attack, r.sample_id) for r in done] == [
        (cell.task.label, cell.attack.label, s.id) for s in unit.samples
    ]


def test_aggregating_from_score_columns_stores_what_aggregating_score_objects_stores(
    tiny_clip, tmp_path, monkeypatch
):
    """Rows (paired tests against the baseline included), terms and gallery: the same, with a
    variant that abstains, so coverage, abstentions as errors and the drops are all compared."""
    variant = ("abstain:n=20,coverage=0.6",)
    columns = tmp_path / "columns"
    run(_config(tiny_clip, columns, mitigations=variant))
    monkeypatch.setattr(ZeroShot, "by_columns", lambda self: False)  # the Score path
    scores = tmp_path / "scores"
    run(_config(tiny_clip, scores, mitigations=variant))
    for table in ("metrics", "examples", "terms"):
        assert _table(columns, table) == _table(scores, table), table
    metrics = {row[3] for row in _table(columns, "metrics")}
    assert {"accuracy", "accuracy_drop", "coverage", "mce"} <= metrics
