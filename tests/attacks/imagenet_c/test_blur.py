"""The blur corruptions give what the reference (imagecorruptions 1.1.2) gives on a fixed input
with the same random draws, at every severity (values: tests/support/imagenet_c_reference.py)."""

import pytest
from imagenet_c_reference import assert_matches_reference

NAMES = ["gaussian_blur", "glass_blur", "defocus_blur", "motion_blur", "zoom_blur"]


@pytest.mark.parametrize("severity", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("name", NAMES)
def test_matches_the_reference(name, severity):
    assert_matches_reference(name, severity)
