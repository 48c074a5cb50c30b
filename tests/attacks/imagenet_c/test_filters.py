"""The re-stated scikit-image helpers and the reference's fractal/zoom helpers behave as the
corruptions rely on (their exact values are covered by the per-family reference checks)."""

import numpy as np
import pytest

from vlmtrust.attacks.imagenet_c.filters import (
    clipped_zoom,
    disk,
    hsv2rgb,
    plasma_fractal,
    rgb2hsv,
    salt_and_pepper,
)


def test_hsv_round_trip_and_known_colours():
    rgb = np.random.default_rng(0).random((8, 9, 3))
    assert np.allclose(hsv2rgb(rgb2hsv(rgb)), rgb)
    red, grey = rgb2hsv(np.array([[[1.0, 0.0, 0.0], [0.5, 0.5, 0.5]]]))[0]
    assert red.tolist() == [0.0, 1.0, 1.0]
    assert grey.tolist() == [0.0, 0.0, 0.5]


def test_salt_and_pepper_flips_about_the_asked_share_to_black_or_white():
    x = np.full((100, 100, 3), 0.5)
    out = salt_and_pepper(x, 0.2, np.random.default_rng(1))
    flipped = out != 0.5
    assert set(np.unique(out[flipped])) == {0.0, 1.0}
    assert flipped.mean() == pytest.approx(0.2, abs=0.01)


def test_plasma_fractal_spans_zero_to_one():
    field = plasma_fractal(64, 2.0, np.random.default_rng(2))
    assert field.shape == (64, 64)
    assert field.min() == 0.0 and field.max() == 1.0


def test_clipped_zoom_covers_the_input_and_disk_sums_to_one():
    zoomed = clipped_zoom(np.zeros((30, 41, 3)), 1.3)
    assert zoomed.shape[0] >= 30 and zoomed.shape[1] >= 41 and zoomed.shape[2] == 3
    assert disk(6, 0.5).sum() == pytest.approx(1.0, abs=1e-5)
