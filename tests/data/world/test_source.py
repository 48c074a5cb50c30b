"""The world source answers every request kind, seeded: the same request, the same samples."""

from __future__ import annotations

import json

import numpy as np
import pytest

from vlmtrust.data.source import (
    Canaries,
    MembershipPool,
    Probes,
    Prompts,
    SampleRequest,
    Scenes,
    Twins,
)
from vlmtrust.data.world.pool import PoolRecipe, draw_pool
from vlmtrust.data.world.source import WorldSource
from vlmtrust.data.world.vocabulary import OCCUPATIONS, PAIR

WORLD = WorldSource()


def _fingerprint(samples) -> list[tuple[str, str]]:
    return [(s.id, s.content_hash()) for s in samples]


REQUESTS: list[SampleRequest] = [
    Scenes(n=3, seed=1),
    Scenes(n=2, seed=1, family="people", occupation_groups="planted"),
    Scenes(n=2, seed=1, text_prob=1.0),
    Twins(pairs=3, seed=1, props="half"),
    Canaries(),
    Probes(harmful=True, probes="harmful_v1", sets=("zoo",), n=5),
    Prompts(),
]


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: r.kind)
def test_every_kind_is_deterministic(request_: SampleRequest) -> None:
    first = WORLD.samples(request_)
    assert first and _fingerprint(first) == _fingerprint(WorldSource().samples(request_))


def test_scenes_follow_the_seed_and_the_family() -> None:
    a = WORLD.samples(Scenes(n=2, seed=1, family="ood"))
    assert [s.id for s in a] == ["world-ood-1-0", "world-ood-1-1"]
    assert _fingerprint(WORLD.samples(Scenes(n=2, seed=2, family="ood"))) != _fingerprint(a)


def test_half_twins_draw_the_second_half_without_props() -> None:
    twins = WORLD.samples(Twins(pairs=3, seed=1, props="half"))
    assert [s.id for s in twins] == [
        "world-twin-1-0-A",
        "world-twin-1-0-B",
        "world-twin-1-1-noprop-A",
        "world-twin-1-1-noprop-B",
        "world-twin-1-2-noprop-A",
        "world-twin-1-2-noprop-B",
    ]
    assert twins[0].labels[PAIR] == twins[1].labels[PAIR] != twins[2].labels[PAIR]


def test_canaries_carry_what_extraction_and_exposure_need() -> None:
    canaries = WORLD.samples(Canaries())
    members = [bool(c.labels["member"]) for c in canaries]
    assert members == sorted(members, reverse=True) and any(members) and not all(members)
    for canary in canaries:
        secrets = json.loads(str(canary.labels["secrets"]))
        assert str(canary.labels["reference"]).count("{secret}") == 1
        assert secrets[0] not in str(canary.labels["reference"])
        assert json.loads(str(canary.labels["prompts"]))


def test_probes_keep_the_harmful_flag_asked_for_and_cover_categories_under_n() -> None:
    request = Probes(harmful=False, probes="harmful_v1", sets=("zoo", "paraphrase"), n=None)
    benign = WORLD.samples(request)
    assert benign and not any(s.labels["harmful"] for s in benign)
    few = WORLD.samples(Probes(harmful=True, probes="harmful_v1", sets=("zoo",), n=4))
    assert len(few) == 4 and len({s.labels["category"] for s in few}) == 4


def test_prompts_name_every_occupation() -> None:
    prompts = [s.prompt or "" for s in WORLD.samples(Prompts())]
    assert all(any(o in p for p in prompts) for o in OCCUPATIONS)


def test_label_values_are_the_worlds_closed_vocabularies() -> None:
    assert WorldSource.label_values("occupation") == OCCUPATIONS
    assert WorldSource.label_values("caption") is None


def test_the_membership_pool_is_members_then_fresh_scenes_of_the_requests_recipe() -> None:
    recipe = PoolRecipe()
    request = MembershipPool(
        organism="clip", recipe=recipe, n=2, member_seed=None, nonmember_seed=9
    )
    pool = WORLD.samples(request)
    assert [s.id for s in pool] == ["member-0", "member-1", "nonmember-0", "nonmember-1"]
    assert [s.labels["member"] for s in pool] == [True, True, False, False]
    assert pool[0].source == "zoo-pool:clip:member:0"
    members, fresh = draw_pool(recipe, 2), draw_pool(recipe, 2, seed=9)
    for sample, drawn in zip(pool, [*members.pixels, *fresh.pixels], strict=True):
        assert np.array_equal(np.asarray(sample.load_image()), drawn.permute(1, 2, 0).numpy())
