import numpy as np
import pytest
from PIL import Image, ImageDraw

from vlmtrust.attacks.base import build_attack
from vlmtrust.attacks.imagenet_c import ALL
from vlmtrust.core.errors import ConfigError
from vlmtrust.core.records import Sample, encode_png
from vlmtrust.core.spec import Spec

#: every registered corruption, with our older name for jpeg_compression
NAMES = [*ALL, "jpeg"]
#: corruptions whose damage grows with severity on any image (saturate first desaturates, then
#: oversaturates; pixelate and glass blur depend on where the block and shuffle grids fall)
MONOTONE = ["gaussian_noise", "shot_noise", "gaussian_blur", "defocus_blur", "jpeg", "contrast"]


def _sample() -> Sample:
    img = Image.new("RGB", (96, 96), (40, 160, 60))
    ImageDraw.Draw(img).ellipse((20, 20, 70, 70), fill=(220, 30, 30))
    return Sample(id="s", image=encode_png(img), labels={"shape": "circle"})


def _damage(name: str, severity: int) -> float:
    sample = _sample()
    attacked = build_attack(Spec(name=f"corruption.{name}", params={"severity": severity}))
    out = np.asarray(attacked.apply(sample).load_image(), dtype=np.float32)
    return float(np.abs(out - np.asarray(sample.load_image(), dtype=np.float32)).mean())


@pytest.mark.parametrize("name", NAMES)
def test_corruption_is_deterministic_and_keeps_identity(name):
    attack = build_attack(Spec(name=f"corruption.{name}"))
    a, b = attack.apply(_sample()), attack.apply(_sample())
    assert a.image == b.image
    assert a.id == "s" and a.labels == {"shape": "circle"}
    assert a.image != _sample().image


@pytest.mark.parametrize("name", MONOTONE)
def test_higher_severity_does_more_damage(name):
    assert _damage(name, 1) < _damage(name, 5)


def test_params_are_validated():
    with pytest.raises(ConfigError, match="severity"):
        build_attack(Spec(name="corruption.jpeg", params={"severity": 9}))
    with pytest.raises(ConfigError, match="quality"):
        build_attack(Spec(name="corruption.jpeg", params={"quality": 9}))


def test_samples_without_images_pass_through():
    text_only = Sample(id="t", prompt="hello")
    assert build_attack(Spec(name="corruption.gaussian_noise")).apply(text_only) == text_only


def test_jpeg_is_the_reference_jpeg_compression():
    old, new = (build_attack(Spec(name=f"corruption.{n}")) for n in ("jpeg", "jpeg_compression"))
    assert old.apply(_sample()).image == new.apply(_sample()).image
    assert old.label == "corruption.jpeg"


def test_seed_changes_the_random_draws_only():
    def out(name: str, seed: int) -> bytes | None:
        return build_attack(Spec(name=name, params={"seed": seed})).apply(_sample()).image

    assert out("corruption.shot_noise", 0) != out("corruption.shot_noise", 1)
    assert out("corruption.contrast", 0) == out("corruption.contrast", 1)
