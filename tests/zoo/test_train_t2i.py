"""zoo:t2i's recipe on a tiny config: seeded (same weights twice), drawing images of the
right shape, and its pool holds both families, people captions naming their group."""

import pytest
import torch

from vlmtrust.models.text_encoder import shared
from vlmtrust.models.zoo.t2i import SIDE, ddim_sample, start_noise
from vlmtrust.zoo.train_t2i import T2IRecipe, t2i_pool, train_t2i

TINY = T2IRecipe(pool=48, steps=4, batch_size=8, threads=1)


@pytest.fixture(scope="module")
def text():
    return shared()  # the process-wide encoder: loaded once per suite


def test_pool_pairs_32_px_scenes_with_captions_that_name_people_s_group():
    pixels, index, captions = t2i_pool(TINY.model_copy(update={"pool": 60}))
    assert pixels.shape == (60, 3, SIDE, SIDE) and pixels.dtype == torch.uint8
    assert len(index) == 60 and int(index.max()) < len(captions)
    people = [c for c in captions if " of group " in c]
    assert people and len(people) < len(captions)  # both families are in the pool


def test_tiny_recipe_is_seeded_and_draws_images(text):
    first, stats = train_t2i(TINY, text, log=lambda _: None)
    second, _ = train_t2i(TINY, text, log=lambda _: None)
    for (name, a), b in zip(first.state_dict().items(), second.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
    assert stats["parameters"] > 0 and stats["final_loss"] == stats["final_loss"]  # not NaN
    captions = torch.from_numpy(text.encode(["a red circle on grass"]))
    drawn = ddim_sample(first, captions, start_noise(0, 0)[None], steps=2)
    assert drawn.shape == (1, 3, SIDE, SIDE) and 0 <= float(drawn.min()) <= float(drawn.max()) <= 1
