"""zoo:clip's training pool, regenerated from the model cards the weights ship with."""

import json

import pytest
import torch
from vlmtrust.models.zoo.clip_training import PoolRecipe, build_pool, organism_pool

from vlmtrust.core.errors import DataError
from vlmtrust.models.zoo import weights_dir


def test_pool_defaults_are_the_shipped_clips_and_its_pool_is_regenerated_from_the_card():
    recorded = json.loads((weights_dir() / "clip.card.json").read_text())["recipe"]
    assert {k: recorded[k] for k in PoolRecipe.model_fields} == PoolRecipe().model_dump()
    regenerated, drawn = organism_pool("clip", 8), build_pool(PoolRecipe(pool=8))
    assert torch.equal(regenerated.pixels, drawn.pixels)
    assert regenerated.captions == drawn.captions


def test_fresh_scenes_come_from_another_seed_of_the_same_recipe():
    fresh = organism_pool("clip-fair", 8, seed=5)
    card = json.loads((weights_dir() / "clip-fair.card.json").read_text())["recipe"]
    recipe = PoolRecipe.model_validate({k: card[k] for k in PoolRecipe.model_fields})
    assert torch.equal(
        fresh.pixels, build_pool(recipe.model_copy(update={"pool": 8, "seed": 5})).pixels
    )


@pytest.mark.parametrize("organism", ["assistant", "nope"])
def test_an_organism_without_a_training_pool_is_a_data_error(organism):
    with pytest.raises(DataError, match=organism):
        organism_pool(organism, 4)
