"""zoo:t2i, the shipped text-to-image organism: it loads offline, draws 64 px scenes that a
seed fixes, and (slow) draws what it is asked at the card's acceptance rate."""

import numpy as np
import pytest

from vlmtrust.data import world
from vlmtrust.models.base import resolve_model
from vlmtrust.zoo.evaluate import drawn_group, evaluate_t2i

CAPTIONS = ["a red circle on grass", "two blue squares in the sky", "a doctor of group B on sand"]


@pytest.fixture(scope="module")
def t2i():
    return resolve_model("zoo:t2i").load()


def _arrays(images):
    return [np.asarray(image) for image in images]


def test_shipped_t2i_draws_a_seeded_batch_of_64_px_scenes(t2i):
    first = t2i.draw(CAPTIONS, seed=3, steps=3)
    assert [(im.size, im.mode) for im in first] == [((64, 64), "RGB")] * len(CAPTIONS)
    again = t2i.draw(CAPTIONS, seed=3, steps=3)
    assert all(np.array_equal(a, b) for a, b in zip(_arrays(first), _arrays(again), strict=True))
    other = t2i.draw(CAPTIONS, seed=4, steps=3)
    assert not any(
        np.array_equal(a, b) for a, b in zip(_arrays(first), _arrays(other), strict=True)
    )
    # each row starts from its own noise, so batching changes nothing but float rounding
    one_by_one = t2i.draw(CAPTIONS, seed=3, steps=3, batch_size=1)
    for a, b in zip(_arrays(one_by_one), _arrays(first), strict=True):
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 2


def test_drawn_group_reads_a_rendered_person_s_skin_tone():
    people = world.generate(5, 12, family="people")
    assert [drawn_group(s.load_image()) for s in people] == [s.groups["group"] for s in people]


@pytest.mark.slow
def test_t2i_draws_the_shape_and_colour_asked_for_at_the_card_s_acceptance_rate(t2i):
    clip = resolve_model("zoo:clip").load()
    measured = evaluate_t2i(t2i.draw, clip, n=100)
    assert measured["n_objects"] == 100
    assert measured["shape_and_colour_accuracy"] >= 0.7
