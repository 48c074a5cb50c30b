"""The suite's table: ImageNet-C's 15 corruptions in its four families, its 4 extra ones, and
``corrupt`` returning uint8 images of the input's shape."""

import numpy as np
import pytest
from imagenet_c_reference import assert_matches_reference, reference_image

from vlmtrust.attacks.imagenet_c import ALL, COMMON, CORRUPTIONS, FAMILIES, FAMILY_OF, corrupt


def test_fifteen_common_and_four_extra_corruptions():
    assert len(COMMON) == 15 and len(ALL) == 19
    assert {f: len(n) for f, n in FAMILIES.items()} == {
        "noise": 3,
        "blur": 4,
        "weather": 4,
        "digital": 4,
        "extra": 4,
    }
    assert set(CORRUPTIONS) == set(ALL) == set(FAMILY_OF)
    assert FAMILY_OF["jpeg_compression"] == "digital" and FAMILY_OF["spatter"] == "extra"


@pytest.mark.parametrize("name", ALL)
def test_corrupt_keeps_shape_and_changes_the_image(name):
    image = reference_image()
    out = corrupt(image, name, 5, np.random.default_rng(0))
    assert out.dtype == np.uint8 and out.shape == image.shape
    assert not np.array_equal(out, image)


def test_severity_out_of_range_is_refused():
    with pytest.raises(ValueError, match="severity"):
        corrupt(reference_image(), "fog", 6, np.random.default_rng(0))


def test_the_reference_check_catches_a_wrong_parameter(monkeypatch):
    from vlmtrust.attacks.imagenet_c import noise

    monkeypatch.setattr(noise, "GAUSSIAN_SIGMA", (0.08, 0.12, 0.19, 0.26, 0.38))
    with pytest.raises(AssertionError, match="gaussian_noise severity 3"):
        assert_matches_reference("gaussian_noise", 3)
