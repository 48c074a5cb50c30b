import numpy as np

from vlmtrust.attacks.base import build_attack
from vlmtrust.attacks.typographic import WORD_LABEL
from vlmtrust.core.spec import Spec
from vlmtrust.zoo import world


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
