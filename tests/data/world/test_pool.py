"""The world's training pool: a recipe decides it; a shorter pool is a prefix of the full one."""

import torch

from vlmtrust.data.world.pool import POOL_SIZE, PoolRecipe, build_pool, draw_pool


def test_a_shorter_pool_is_a_prefix_of_the_training_pool():
    """The assumption that lets members be regenerated without rendering all 24,000."""
    recipe = PoolRecipe(pool=12)
    short, full = build_pool(recipe.model_copy(update={"pool": 6})), build_pool(recipe)
    assert torch.equal(short.pixels, full.pixels[:6])
    assert [short.captions[i] for i in short.caption_index] == [
        full.captions[i] for i in full.caption_index[:6]
    ]
    assert short.pixels.dtype == torch.uint8 and short.pixels.shape[1:] == (3, POOL_SIZE, POOL_SIZE)


def test_drawing_without_a_seed_is_the_recipes_own_pool_and_with_one_fresh_scenes():
    recipe = PoolRecipe()
    own, fresh = draw_pool(recipe, 8), draw_pool(recipe, 8, seed=5)
    assert torch.equal(own.pixels, build_pool(recipe.model_copy(update={"pool": 8})).pixels)
    again = build_pool(recipe.model_copy(update={"pool": 8, "seed": 5}))
    assert torch.equal(fresh.pixels, again.pixels) and fresh.captions == again.captions
    assert not torch.equal(own.pixels, fresh.pixels)
