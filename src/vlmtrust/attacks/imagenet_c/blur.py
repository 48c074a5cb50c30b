"""Blur corruptions (ImageNet-C's blur family, and Gaussian blur from its extra four).

Parameters per severity 1-5 from ``imagecorruptions/corruptions.py`` (bethgelab/imagecorruptions
1.1.2), in pixels as there: ImageNet-C applied them to 224 px images, so a smaller image is
blurred relatively more. Each takes an (H, W, 3) uint8 array and returns floats in [0, 255].
"""

from __future__ import annotations

import numpy as np

from vlmtrust.attacks.imagenet_c.filters import (
    Array,
    clipped_zoom,
    disk,
    gaussian_rgb,
    shifted_blur,
)

GAUSSIAN_SIGMA = (1, 2, 3, 4, 6)
#: (sigma, max pixel displacement, iterations)
GLASS = ((0.7, 1, 2), (0.9, 2, 1), (1, 2, 3), (1.1, 3, 2), (1.5, 4, 2))
#: (disk radius, anti-alias blur)
DEFOCUS = ((3, 0.1), (4, 0.5), (6, 0.5), (8, 0.5), (10, 0.5))
#: (radius, sigma)
MOTION = ((10, 3), (15, 5), (15, 8), (15, 12), (20, 15))
ZOOM = (
    np.arange(1, 1.11, 0.01),
    np.arange(1, 1.16, 0.01),
    np.arange(1, 1.21, 0.02),
    np.arange(1, 1.26, 0.02),
    np.arange(1, 1.31, 0.03),
)


def gaussian_blur(image: Array, severity: int, rng: np.random.Generator) -> Array:
    x = gaussian_rgb(np.array(image) / 255.0, GAUSSIAN_SIGMA[severity - 1])
    return np.asarray(np.clip(x, 0, 1) * 255)


def glass_blur(image: Array, severity: int, rng: np.random.Generator) -> Array:
    """Blur, then move pixels about locally, then blur again. As in the reference's pure-Python
    loop, a "swap" copies the neighbour into the pixel and leaves the neighbour as it was."""
    sigma, delta, iterations = GLASS[severity - 1]
    blurred = (gaussian_rgb(np.array(image) / 255.0, sigma) * 255).astype(np.uint8)
    height, width = blurred.shape[:2]
    pixels = blurred.reshape(height * width, -1).tolist()  # rows are only rebound, never edited
    rows, cols = range(height - delta, delta, -1), range(width - delta, delta, -1)
    for _ in range(iterations):
        # one bulk draw gives the same numbers as the reference's draw per pixel
        offsets = iter(rng.integers(-delta, delta, size=(len(rows) * len(cols), 2)).tolist())
        for h in rows:
            for w in cols:
                dx, dy = next(offsets)
                pixels[h * width + w] = pixels[(h + dy) * width + w + dx]
    x = np.array(pixels, dtype=np.uint8).reshape(blurred.shape)
    return np.asarray(np.clip(gaussian_rgb(x / 255.0, sigma), 0, 1) * 255)


def defocus_blur(image: Array, severity: int, rng: np.random.Generator) -> Array:
    import cv2

    radius, alias_blur = DEFOCUS[severity - 1]
    x = np.array(image) / 255.0
    kernel = disk(radius, alias_blur)
    channels = np.array([cv2.filter2D(x[:, :, d], -1, kernel) for d in range(3)])
    return np.asarray(np.clip(channels.transpose((1, 2, 0)), 0, 1) * 255)


def motion_blur(image: Array, severity: int, rng: np.random.Generator) -> Array:
    radius, sigma = MOTION[severity - 1]
    angle = rng.uniform(-45, 45)
    return np.asarray(np.clip(shifted_blur(np.array(image), radius, sigma, angle), 0, 255))


def zoom_blur(image: Array, severity: int, rng: np.random.Generator) -> Array:
    factors = ZOOM[severity - 1]
    x = (np.array(image) / 255.0).astype(np.float32)
    out = np.zeros_like(x)
    for factor in factors:
        layer = clipped_zoom(x, factor)[: x.shape[0], : x.shape[1], :]
        out[: layer.shape[0], : layer.shape[1]] += layer
    return np.asarray(np.clip((x + out) / (len(factors) + 1), 0, 1) * 255)
