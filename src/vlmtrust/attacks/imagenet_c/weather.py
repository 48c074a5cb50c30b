"""Weather corruptions (ImageNet-C's snow, frost, fog; spatter from its extra four).

Parameters per severity 1-5 from ``imagecorruptions/corruptions.py`` (bethgelab/imagecorruptions
1.1.2). Frost overlays one of the reference's own frost photographs (``frost/``, shipped under
the package's Apache-2.0 licence; see ``frost/NOTICE``). Each takes an (H, W, 3) uint8 array
and returns floats in [0, 255].
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import numpy as np

from vlmtrust.attacks.imagenet_c.filters import Array, clipped_zoom, gaussian, shifted_blur

#: (mean, std, zoom, threshold, blur radius, blur sigma, image weight)
SNOW = (
    (0.1, 0.3, 3, 0.5, 10, 4, 0.8),
    (0.2, 0.3, 2, 0.5, 12, 4, 0.7),
    (0.55, 0.3, 4, 0.9, 12, 8, 0.7),
    (0.55, 0.3, 4.5, 0.85, 12, 8, 0.65),
    (0.55, 0.3, 2.5, 0.85, 12, 12, 0.55),
)
#: (image weight, frost weight)
FROST = ((1, 0.4), (0.8, 0.6), (0.7, 0.7), (0.65, 0.7), (0.6, 0.75))
#: the reference draws among the first five of its six files (``randint(5)``)
FROST_FILES = ("frost1.png", "frost2.png", "frost3.png", "frost4.jpg", "frost5.jpg")
#: (fog strength, fractal decay)
FOG = ((1.5, 2), (2.0, 2), (2.5, 1.7), (2.5, 1.5), (3.0, 1.4))
#: (mean, std, sigma, threshold, intensity, mud?)
SPATTER = (
    (0.65, 0.3, 4, 0.69, 0.6, 0),
    (0.65, 0.3, 3, 0.68, 0.6, 0),
    (0.65, 0.3, 2, 0.68, 0.5, 0),
    (0.65, 0.3, 1, 0.65, 1.5, 1),
    (0.67, 0.4, 1, 0.65, 1.5, 1),
)


def snow(image: Array, severity: int, rng: np.random.Generator) -> Array:
    import cv2

    mean, std, zoom, threshold, radius, sigma, weight = SNOW[severity - 1]
    x = np.array(image, dtype=np.float32) / 255.0
    layer = rng.normal(mean, std, x.shape[:2])
    layer = clipped_zoom(layer[..., np.newaxis], zoom)
    layer[layer < threshold] = 0
    layer = np.clip(layer.squeeze(), 0, 1)
    layer = shifted_blur(layer, radius, sigma, rng.uniform(-135, -45))
    layer = (np.round(layer * 255).astype(np.uint8) / 255.0)[..., np.newaxis]
    layer = layer[: x.shape[0], : x.shape[1], :]
    gray = cv2.cvtColor(x, cv2.COLOR_RGB2GRAY).reshape(x.shape[0], x.shape[1], 1)
    x = weight * x + (1 - weight) * np.maximum(x, gray * 1.5 + 0.5)
    if layer.shape[:2] == x.shape[:2]:
        return np.asarray(np.clip(x + layer + np.rot90(layer, k=2), 0, 1) * 255)
    x[: layer.shape[0], : layer.shape[1]] += layer + np.rot90(layer, k=2)
    return np.asarray(np.clip(x, 0, 1) * 255)


@cache
def _frost_image(index: int) -> Array:
    """One frost photograph as OpenCV reads it (BGR uint8), decoded once."""
    import cv2

    data = (files("vlmtrust.attacks.imagenet_c") / "frost" / FROST_FILES[index]).read_bytes()
    decoded = np.asarray(cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR))
    decoded.setflags(write=False)
    return decoded


def frost(image: Array, severity: int, rng: np.random.Generator) -> Array:
    import cv2

    weight, frost_weight = FROST[severity - 1]
    overlay = _frost_image(int(rng.integers(5)))
    fh, fw = overlay.shape[:2]
    h, w = image.shape[:2]
    scale: float = 1
    if fh < h and fw >= w:
        scale = h / fh
    elif fh >= h and fw < w:
        scale = w / fw
    elif fh < h and fw < w:
        scale = max(h / fh, w / fw)
    scale *= 1.1
    size = (int(np.ceil(fw * scale)), int(np.ceil(fh * scale)))
    rescaled = cv2.resize(overlay, dsize=size, interpolation=cv2.INTER_CUBIC)
    top = int(rng.integers(0, rescaled.shape[0] - h))
    left = int(rng.integers(0, rescaled.shape[1] - w))
    crop = rescaled[top : top + h, left : left + w][..., [2, 1, 0]]
    return np.asarray(np.clip(weight * np.array(image) + frost_weight * crop, 0, 255))


def fog(image: Array, severity: int, rng: np.random.Generator) -> Array:
    from vlmtrust.attacks.imagenet_c.filters import plasma_fractal

    strength, decay = FOG[severity - 1]
    h, w = image.shape[:2]
    map_size = 1 << (int(max(image.shape)) - 1).bit_length()
    x = np.array(image) / 255.0
    max_val = x.max()
    x += strength * plasma_fractal(map_size, decay, rng)[:h, :w][..., np.newaxis]
    return np.asarray(np.clip(x * max_val / (max_val + strength), 0, 1) * 255)


def spatter(image: Array, severity: int, rng: np.random.Generator) -> Array:
    mean, std, sigma, threshold, intensity, mud = SPATTER[severity - 1]
    x = np.array(image, dtype=np.float32) / 255.0
    liquid = gaussian(rng.normal(mean, std, x.shape[:2]), sigma)
    liquid[liquid < threshold] = 0
    if mud:
        return _mud(image, x, liquid, threshold, intensity)
    return _water(x, liquid, intensity)


def _water(x: Array, liquid: Array, intensity: float) -> Array:
    """Pale turquoise drops whose edges are lit by a distance-transform emboss."""
    import cv2

    layer = (liquid * 255).astype(np.uint8)
    dist = 255 - cv2.Canny(layer, 50, 150)
    dist = cv2.distanceTransform(dist, cv2.DIST_L2, 5)
    _, dist = cv2.threshold(dist, 20, 20, cv2.THRESH_TRUNC)
    dist = cv2.blur(dist, (3, 3)).astype(np.uint8)
    dist = cv2.equalizeHist(dist)
    emboss = np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])
    dist = cv2.filter2D(dist, cv2.CV_8U, emboss)
    dist = cv2.blur(dist, (3, 3)).astype(np.float32)
    m: Array = np.asarray(cv2.cvtColor(layer * dist, cv2.COLOR_GRAY2BGRA))
    m = m / np.max(m, axis=(0, 1))
    m = m * intensity
    ones = np.ones_like(m[..., :1])
    turquoise = np.concatenate((175 / 255.0 * ones, 238 / 255.0 * ones, 238 / 255.0 * ones), axis=2)
    color = cv2.cvtColor(turquoise, cv2.COLOR_BGR2BGRA)
    x = cv2.cvtColor(x, cv2.COLOR_BGR2BGRA)
    return np.asarray(cv2.cvtColor(np.clip(x + m * color, 0, 1), cv2.COLOR_BGRA2BGR) * 255)


def _mud(image: Array, x: Array, liquid: Array, threshold: float, sigma: float) -> Array:
    """Opaque mud-brown blobs."""
    m = gaussian(np.where(liquid > threshold, 1, 0).astype(np.float32), sigma)
    m[m < 0.8] = 0
    ones = np.ones_like(np.asarray(image)[..., :1])
    color = np.concatenate((63 / 255.0 * ones, 42 / 255.0 * ones, 20 / 255.0 * ones), axis=2)
    color *= m[..., np.newaxis]
    x *= 1 - m[..., np.newaxis]
    return np.asarray(np.clip(x + color, 0, 1) * 255)
