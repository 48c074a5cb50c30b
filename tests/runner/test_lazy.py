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
    assert tuple(first.digests) == tuple(sample_digest(s) for s in full)
    draws.count = 0
    again = plan_samples(task, ctx, {identity: iter([rows[:10], rows[10:]])}.get)
    assert draws.count == 0
    assert again.drawn is None
    assert tuple(again.digests) == tuple(first.digests)
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
    planned = plan_samples(task, ctx, {first.drawn.identity: iter([first.drawn.rows()])}.get)
    draws.count = 0
    gallery = DrawnOnGet(planned.samples, planned.render)
    assert len(gallery) == 6 and draws.count == 0
    assert gallery["world-objects-0-4"] == task.samples(ctx)[4]


def test_light_samples_pack_rows_and_unpack_the_same_samples_and_hashes(monkeypatch):
    from vlmtrust.runner import lazy

    monkeypatch.setattr(lazy, "DRAW_BATCH", 4)
    full = [
        Sample(
            id=f"s-{i}",
            prompt="p",
            labels={"shape": "circle", "big": i % 2 == 0},
            groups={"g": str(i % 3)},
            source=f"world:0:{i}",
        )
        for i in range(10)
    ]
    rows = [{**s.model_dump(exclude={"image"}), "hash": s.content_hash()} for s in full]
    light = lazy.LightSamples(iter(rows))
    assert len(light) == 10 and list(light) == full
    assert light[9] == full[9] and light[-1] == full[9] and light[2:5] == full[2:5]
    assert list(light.rows()) == rows
    assert list(lazy.Digests(light)) == [sample_digest(s) for s in full]
    assert lazy.Digests(light)[5] == sample_digest(full[5])
    # an id that is a prefix of others is found where it is, not inside theirs
    assert light.index_of("s-1") == 1 and light.index_of("s-9") == 9
    assert light.index_of("s-10") is None and light.index_of("s-") is None
    assert lazy.position(light, "s-7") == 7
    with pytest.raises(IndexError):
        light[10]


def test_packed_keys_are_the_hex_keys_of_result_keys():
    from vlmtrust.runner.keys import packed_keys, result_keys

    digests = [(f"s-{i}", f"{i:064x}") for i in range(7)]
    task, attack = Spec(name="t", params={"a": 1}), Spec(name="none")
    variant = (Spec(name="guard"),)
    hexes = result_keys(task, attack, variant, digests, "fp")
    packed = packed_keys(task, attack, variant, iter(digests), "fp")
    assert len(packed) == 7 and list(packed) == list(hexes)
    assert packed[3] == hexes[3] and packed[-1] == hexes[-1]
    assert list(packed[1:3]) == list(hexes[1:3])
    assert packed == hexes and packed != hexes[:6]


def test_duplicate_ids_are_found_and_distinct_ids_pass():
    from vlmtrust.runner.keys import has_duplicate_ids

    distinct = [Sample(id=f"s-{i}") for i in range(50)]
    assert not has_duplicate_ids(distinct)
    assert has_duplicate_ids([*distinct, Sample(id="s-17")])
    assert not has_duplicate_ids([])


def test_an_answer_left_in_the_store_plans_the_same_samples_and_keys_read_in_chunks(
    tmp_path, monkeypatch, draws
):
    """A re-run's plan holds no row per sample: it reads the store's chunks when asked, and
    its keys (computed on reading) are the packed plan's."""
    from vlmtrust.runner.keys import lazy_keys, packed_keys
    from vlmtrust.runner.lazy import StoredSamples
    from vlmtrust.store import ResultStore, sqlite

    monkeypatch.setattr(sqlite, "SAMPLE_CHUNK", 4)
    task, ctx = _task(10), DataContext(seed=1)
    first = plan_samples(task, ctx, lambda _: None)
    assert first.drawn is not None
    with ResultStore(tmp_path / "s.sqlite") as store:
        store.remember_samples(first.drawn.identity, first.drawn.iter_rows())
        draws.count = 0
        again = plan_samples(task, ctx, lambda _: None, store)
        samples = again.samples
        assert isinstance(samples, StoredSamples) and again.drawn is None
        assert len(samples) == 10 and draws.count == 0
        assert list(samples) == list(first.samples) and samples[-1] == first.samples[9]
        assert samples[3:6] == first.samples[3:6]
        assert list(again.digests) == list(first.digests) and again.digests[5] == first.digests[5]
        assert samples.index_of("world-objects-1-7") == 7
        assert samples.index_of("absent") is None
        spec, none = task.key_spec(), Spec(name="none")
        packed = packed_keys(spec, none, (), first.digests, "fp")
        kept = lazy_keys(spec, none, (), again.digests, "fp")
        assert list(kept) == list(packed) and kept[9] == packed[9] and kept[2:4] == packed[2:4]
        # both name their keys alike, so a re-run's aggregate digest equals the first run's
        assert kept.fingerprint == packed.fingerprint
        assert lazy_keys(spec, none, (), again.digests, "other").fingerprint != kept.fingerprint
        assert again.render is not None
        assert again.render([samples[8]]) == [task.samples(ctx)[8]]
        assert store.remembered_count("absent") is None
