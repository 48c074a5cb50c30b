"""Planning from sample identity: the same keys without drawing, images only for what runs."""

from dataclasses import dataclass

import pytest

from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Spec
from vlmtrust.runner.keys import sample_digest
from vlmtrust.runner.lazy import DrawnOnGet, plan_samples
from vlmtrust.tasks.base import DataContext, build_task
from vlmtrust.tasks.robustness.zero_shot import ZeroShot


@dataclass
class Draws:
    """How many world scenes were rendered (the real renderer, counted)."""

    count: int = 0


@pytest.fixture
def draws(monkeypatch) -> Draws:
    from vlmtrust.data.world import dataset

    counter, real = Draws(), dataset.render

    def counted(scene):  # the real renderer, counted
        counter.count += 1
        return real(scene)

    monkeypatch.setattr(dataset, "render", counted)
    return counter


def _task(n: int = 30) -> ZeroShot:
    task = build_task(Spec(name="robustness.zero_shot", params={"n": n}))
    assert isinstance(task, ZeroShot)
    return task


def test_a_remembered_answer_plans_the_same_keys_without_drawing(draws):
    task, ctx = _task(), DataContext(seed=3)
    first = plan_samples(task, ctx, lambda _: None)
    assert draws.count == 30  # drawn once, in batches, to hash
    assert first.drawn is not None
    identity, rows = first.drawn.identity, first.drawn.rows()
    full = task.samples(ctx)
    assert first.digests == tuple(sample_digest(s) for s in full)
    draws.count = 0
    again = plan_samples(task, ctx, {identity: rows}.get)
    assert draws.count == 0
    assert again.drawn is None
    assert again.digests == first.digests
    assert [s.id for s in again.samples] == [s.id for s in full]
    assert all(s.image is None for s in again.samples)
    assert [(s.labels, s.groups, s.source) for s in again.samples] == [
        (s.labels, s.groups, s.source) for s in full
    ]
    assert again.render is not None
    assert again.render([again.samples[7], again.samples[2]]) == [full[7], full[2]]
    assert draws.count == 2  # only the samples asked for


def test_a_subclass_that_draws_other_samples_plans_them_in_full(draws):
    class Shifted(ZeroShot):
        def samples(self, ctx: DataContext) -> list[Sample]:
            return super().samples(ctx)[1:]

    task = Shifted(Spec(name="robustness.zero_shot", params={"n": 5}))
    planned = plan_samples(task, DataContext(seed=0), lambda _: None)
    assert planned.render is None and planned.drawn is None
    assert [s.id for s in planned.samples] == [f"world-objects-0-{i}" for i in range(1, 5)]
    assert all(s.image for s in planned.samples)


def test_gallery_samples_are_drawn_on_lookup_only(draws):
    task, ctx = _task(6), DataContext(seed=0)
    first = plan_samples(task, ctx, lambda _: None)
    assert first.drawn is not None
    planned = plan_samples(task, ctx, {first.drawn.identity: first.drawn.rows()}.get)
    draws.count = 0
    gallery = DrawnOnGet(planned.samples, planned.render)
    assert len(gallery) == 6 and draws.count == 0
    assert gallery["world-objects-0-4"] == task.samples(ctx)[4]
