"""A world Scenes answer is named without drawing it; any part of the request renames it."""

from dataclasses import replace

from vlmtrust.data.source import Scenes
from vlmtrust.data.world import generate
from vlmtrust.data.world.identity import generator_fingerprint, scenes_identity
from vlmtrust.data.world.source import WorldSource


def test_every_part_of_the_request_but_who_asks_renames_the_answer():
    base = Scenes(n=10, seed=1, family="objects", task="robustness.zero_shot")
    same = scenes_identity(base)
    assert scenes_identity(replace(base, task="another.task")) == same
    changed = [
        replace(base, n=11),
        replace(base, seed=2),
        replace(base, family="people"),
        replace(base, text_prob=0.3),
        replace(base, occupation_groups="planted"),
    ]
    assert len({scenes_identity(r) for r in changed} | {same}) == len(changed) + 1
    assert len(generator_fingerprint()) == 64


def test_the_world_names_seeded_scenes_only():
    world = WorldSource()
    assert world.identity(Scenes(n=3, seed=0)) == scenes_identity(Scenes(n=3, seed=0))
    assert world.identity(Scenes(n=3)) is None  # unseeded: the run's seed is not known yet


def test_scenes_drawn_at_positions_or_in_batches_are_the_full_answer_byte_for_byte():
    world, request = WorldSource(), Scenes(n=7, seed=4)
    full = generate(4, 7)
    assert world.render(request, [5, 0, 5]) == [full[5], full[0], full[5]]
    batches = list(world.batches(request, 3))
    assert [len(b) for b in batches] == [3, 3, 1]
    assert [s for b in batches for s in b] == full == world.samples(request)
