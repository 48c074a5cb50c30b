import numpy as np

from vlmtrust.attacks.base import build_attack
from vlmtrust.attacks.typographic import WORD_LABEL
from vlmtrust.core.spec import Spec
from vlmtrust.data import world


def test_writes_a_wrong_class_name_deterministically():
    attack = build_attack(Spec(name="typographic"))
    for sample in world.generate(3, 10):
        once, twice = attack.apply(sample), attack.apply(sample)
        assert once.image == twice.image and once.image != sample.image
        word = once.labels[WORD_LABEL]
        assert word in world.SHAPES and word != sample.labels["shape"]
        changed = np.any(
            np.asarray(once.load_image()) != np.asarray(sample.load_image()), axis=-1
        ).sum()
        assert 20 < changed < 96 * 96 // 4  # a word, not a wash over the image


def test_a_fixed_word_and_the_label_is_default_free():
    attack = build_attack(Spec(name="typographic", params={"word": "apple"}))
    assert attack.apply(world.generate(0, 1)[0]).labels[WORD_LABEL] == "apple"
    assert build_attack(Spec(name="typographic")).label == "typographic"
    assert attack.label == 'typographic(word="apple")'


def _written(sample, **params) -> np.ndarray:
    attack = build_attack(Spec(name="typographic", params=params))
    clean = np.asarray(sample.load_image(), int)
    return np.any(np.asarray(attack.apply(sample).load_image(), int) != clean, axis=-1)


def test_quiet_placement_keeps_off_the_objects_and_repeat_writes_more_copies():
    """World scenes never write over an object; the quiet placement (the default) mostly keeps
    to that, unlike anywhere-at-random."""
    on_object = {"quiet": 0, "random": 0}
    for sample in world.generate(5, 20):
        object_rgb = world.COLOUR_RGB[str(sample.labels["colour"])]
        drawn = np.all(np.asarray(sample.load_image(), int) == object_rgb, axis=-1)
        for placement in on_object:
            on_object[placement] += int((_written(sample, placement=placement) & drawn).sum())
        once, twice = _written(sample, repeat=1), _written(sample, repeat=2)
        assert twice.sum() > 1.5 * once.sum()  # a second copy, not the same spot again
    assert on_object["quiet"] < on_object["random"] / 3


def test_random_placement_is_still_seeded():
    attack = build_attack(Spec(name="typographic", params={"placement": "random", "repeat": 1}))
    sample = world.generate(0, 1)[0]
    assert attack.apply(sample).image == attack.apply(sample).image != sample.image
