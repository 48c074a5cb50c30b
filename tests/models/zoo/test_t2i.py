"""The text-to-image adapter: captions in, 64 px RGB scenes out, fixed by the seed, each row
from its own noise; and the skin-tone reading that judges a drawn person's group."""

import numpy as np
import pytest
import torch

from vlmtrust.data import world
from vlmtrust.models.base import ModelHandle
from vlmtrust.models.text_encoder import shared
from vlmtrust.models.zoo.t2i import TinyUNet, ZooTextToImage, save_t2i
from vlmtrust.zoo.evaluate import drawn_group

CAPTIONS = ["a red circle on grass", "two blue squares in the sky", "a doctor of group B on sand"]


@pytest.fixture(scope="module")
def drawer(tmp_path_factory):
    """An untrained UNet (seeded): what is drawn is noise, but the sampling path is real."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("t2i") / "t2i.safetensors"
    save_t2i(path, TinyUNet())
    handle = ModelHandle(
        spec="t2i", kind="zoo", name="t2i", fingerprint="-", capabilities=frozenset()
    )
    return ZooTextToImage(handle, path, shared())


def _arrays(images):
    return [np.asarray(image).astype(int) for image in images]


def test_draws_a_seeded_batch_of_64_px_scenes(drawer):
    first = drawer.draw(CAPTIONS, seed=3, steps=3)
    assert [(im.size, im.mode) for im in first] == [((64, 64), "RGB")] * len(CAPTIONS)
    again = drawer.draw(CAPTIONS, seed=3, steps=3)
    assert all(np.array_equal(a, b) for a, b in zip(_arrays(first), _arrays(again), strict=True))
    other = drawer.draw(CAPTIONS, seed=4, steps=3)
    assert not any(
        np.array_equal(a, b) for a, b in zip(_arrays(first), _arrays(other), strict=True)
    )
    # each row starts from its own noise, so batching changes nothing but float rounding
    one_by_one = drawer.draw(CAPTIONS, seed=3, steps=3, batch_size=1)
    for a, b in zip(_arrays(one_by_one), _arrays(first), strict=True):
        assert np.abs(a - b).max() <= 2


def test_drawn_group_reads_a_rendered_person_s_skin_tone():
    people = world.generate(5, 12, family="people")
    assert [drawn_group(s.load_image()) for s in people] == [s.groups["group"] for s in people]
