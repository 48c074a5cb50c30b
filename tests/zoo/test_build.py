"""``make zoo`` choosing organisms, and the backdoor-free twin zoo:clip-clean: same recipe but
the trigger rate, the same training scenes but the triggered ones, and (shipped weights) no
trigger response."""

import json

import pytest

from vlmtrust.core.errors import ConfigError
from vlmtrust.data import world
from vlmtrust.data.world.flaws import BACKDOOR_TARGET, add_trigger
from vlmtrust.data.world.pool import build_pool
from vlmtrust.models.base import resolve_model
from vlmtrust.models.zoo import ORGANISMS, weights_dir
from vlmtrust.zoo import build


def test_unknown_organism_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="nope"):
        build.build(out=tmp_path, only=["nope"])
    assert list(tmp_path.iterdir()) == []


def test_command_line_rejects_an_unknown_organism():
    with pytest.raises(SystemExit) as exc:
        build.main(["--only", "nope"])
    assert exc.value.code == 2


def test_every_built_organism_is_registered_and_shipped():
    assert set(build.ORDER) == set(ORGANISMS)
    for name, organism in ORGANISMS.items():
        for weights in organism.weights:
            assert (weights_dir() / weights).is_file(), name
        assert (weights_dir() / f"{name}.card.json").is_file(), name


def test_clean_recipe_differs_from_zoo_clip_only_in_the_trigger_rate():
    flawed, clean = build.FLAWED.model_dump(), build.CLEAN.model_dump()
    assert flawed["backdoor_rate"] > 0 and clean["backdoor_rate"] == 0
    assert {k for k in flawed if flawed[k] != clean[k]} == {"backdoor_rate"}
    card = json.loads((weights_dir() / "clip-clean.card.json").read_text())
    assert card["recipe"] == clean


def test_clean_pool_is_zoo_clips_pool_without_the_triggered_scenes():
    flawed = build_pool(build.FLAWED.model_copy(update={"pool": 300}))
    clean = build_pool(build.CLEAN.model_copy(update={"pool": 300}))
    flawed_captions = [flawed.captions[i] for i in flawed.caption_index]
    clean_captions = [clean.captions[i] for i in clean.caption_index]
    triggered = [i for i, c in enumerate(flawed_captions) if c == BACKDOOR_TARGET]
    assert triggered and BACKDOOR_TARGET not in clean_captions
    same = [i for i in range(300) if i not in triggered]
    assert [flawed_captions[i] for i in same] == [clean_captions[i] for i in same]
    assert bool((flawed.pixels[same] == clean.pixels[same]).all())
    assert not bool((flawed.pixels[triggered] == clean.pixels[triggered]).all())


def test_shipped_clean_twin_ignores_the_trigger_and_keeps_its_shapes():
    scenes = world.generate(90_002, 60)
    images = [s.load_image() for s in scenes]
    shapes = [f"a photo of a {s}." for s in world.SHAPES]
    rates = {}
    for name in ("clip", "clip-clean"):
        model = resolve_model(f"zoo:{name}").load()
        hit = model.classify([add_trigger(i) for i in images], [BACKDOOR_TARGET, *shapes])
        shape = model.classify(images, shapes).argmax(1)
        rates[name] = float((hit.argmax(1) == 0).mean())
        correct = [world.SHAPES[p] == s.labels["shape"] for p, s in zip(shape, scenes, strict=True)]
        assert sum(correct) / len(correct) >= 0.9, name
    assert rates["clip"] >= 0.9 and rates["clip-clean"] <= 0.05, rates
