"""The one resize path: RGB, bilinear, [0, 1] floats, whatever the input mode and size."""

import numpy as np
import torch
from PIL import Image

from vlmtrust.core.pixels import resized_pixels


def test_images_become_unit_floats_at_the_size_asked():
    grey = Image.new("L", (10, 30), 255)
    red = Image.new("RGB", (64, 64), (255, 0, 0))
    pixels = resized_pixels([grey, red], 64)
    assert pixels.shape == (2, 3, 64, 64) and pixels.dtype == torch.float32
    assert torch.equal(pixels[0], torch.ones(3, 64, 64))
    assert torch.equal(pixels[1, 0], torch.ones(64, 64)) and pixels[1, 1:].max() == 0


def test_stored_as_bytes_the_pixels_round_trip_exactly():
    """The world stores its training pool as round(pixels * 255): the resized bytes, unchanged."""
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    pixels = resized_pixels([Image.fromarray(noise)], 64)
    assert np.array_equal((pixels * 255).round().to(torch.uint8)[0].permute(1, 2, 0).numpy(), noise)


def test_no_images_is_an_empty_batch():
    assert resized_pixels([], 8).shape == (0, 3, 8, 8)
