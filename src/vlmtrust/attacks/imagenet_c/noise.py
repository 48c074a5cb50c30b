"""Noise corruptions (ImageNet-C's noise family, and speckle from its extra four).

Parameters per severity 1-5 from ``imagecorruptions/corruptions.py`` (bethgelab/imagecorruptions
1.1.2); each takes an (H, W, 3) uint8 array and returns floats in [0, 255].
"""

from __future__ import annotations

import numpy as np

from vlmtrust.attacks.imagenet_c.filters import Array, salt_and_pepper

GAUSSIAN_SIGMA = (0.08, 0.12, 0.18, 0.26, 0.38)
SHOT_PHOTONS = (60, 25, 12, 5, 3)
IMPULSE_AMOUNT = (0.03, 0.06, 0.09, 0.17, 0.27)
SPECKLE_SIGMA = (0.15, 0.2, 0.35, 0.45, 0.6)


def gaussian_noise(image: Array, severity: int, rng: np.random.Generator) -> Array:
    x = np.array(image) / 255.0
    noise = rng.normal(0.0, GAUSSIAN_SIGMA[severity - 1], x.shape)
    return np.asarray(np.clip(x + noise, 0, 1) * 255)


def shot_noise(image: Array, severity: int, rng: np.random.Generator) -> Array:
    c = SHOT_PHOTONS[severity - 1]
    x = np.array(image) / 255.0
    return np.asarray(np.clip(rng.poisson(x * c) / float(c), 0, 1) * 255)


def impulse_noise(image: Array, severity: int, rng: np.random.Generator) -> Array:
    x = salt_and_pepper(np.array(image) / 255.0, IMPULSE_AMOUNT[severity - 1], rng)
    return np.asarray(np.clip(x, 0, 1) * 255)


def speckle_noise(image: Array, severity: int, rng: np.random.Generator) -> Array:
    x = np.array(image) / 255.0
    noise = rng.normal(0.0, SPECKLE_SIGMA[severity - 1], x.shape)
    return np.asarray(np.clip(x + x * noise, 0, 1) * 255)
