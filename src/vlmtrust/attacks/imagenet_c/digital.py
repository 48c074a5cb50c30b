"""Digital corruptions (ImageNet-C's digital family, brightness from its weather family,
saturate from its extra four).

Parameters per severity 1-5 from ``imagecorruptions/corruptions.py`` (bethgelab/imagecorruptions
1.1.2). Each takes an (H, W, 3) uint8 array and returns floats in [0, 255] (JPEG and pixelate:
uint8, as the reference's PIL round trip gives).
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from vlmtrust.attacks.imagenet_c.filters import Array, gaussian, hsv2rgb, rgb2hsv

CONTRAST = (0.4, 0.3, 0.2, 0.1, 0.05)
BRIGHTNESS = (0.1, 0.2, 0.3, 0.4, 0.5)
#: (saturation factor, saturation offset)
SATURATE = ((0.3, 0), (0.1, 0), (2, 0), (5, 0.1), (20, 0.2))
JPEG_QUALITY = (25, 18, 15, 10, 7)
PIXELATE = (0.6, 0.5, 0.4, 0.3, 0.25)
ELASTIC_ALPHA = (250 * 0.05, 250 * 0.065, 250 * 0.085, 250 * 0.1, 250 * 0.12)


def contrast(image: Array, severity: int, rng: np.random.Generator) -> Array:
    x = np.array(image) / 255.0
    means = np.mean(x, axis=(0, 1), keepdims=True)
    return np.asarray(np.clip((x - means) * CONTRAST[severity - 1] + means, 0, 1) * 255)


def brightness(image: Array, severity: int, rng: np.random.Generator) -> Array:
    x = rgb2hsv(np.array(image) / 255.0)
    x[:, :, 2] = np.clip(x[:, :, 2] + BRIGHTNESS[severity - 1], 0, 1)
    return np.asarray(np.clip(hsv2rgb(x), 0, 1) * 255)


def saturate(image: Array, severity: int, rng: np.random.Generator) -> Array:
    factor, offset = SATURATE[severity - 1]
    x = rgb2hsv(np.array(image) / 255.0)
    x[:, :, 1] = np.clip(x[:, :, 1] * factor + offset, 0, 1)
    return np.asarray(np.clip(hsv2rgb(x), 0, 1) * 255)


def jpeg_compression(image: Array, severity: int, rng: np.random.Generator) -> Array:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, "JPEG", quality=JPEG_QUALITY[severity - 1])
    with Image.open(io.BytesIO(buf.getvalue())) as decoded:
        return np.array(decoded.convert("RGB"))


def pixelate(image: Array, severity: int, rng: np.random.Generator) -> Array:
    c = PIXELATE[severity - 1]
    h, w = image.shape[:2]
    small = Image.fromarray(image).resize((int(w * c), int(h * c)), Image.Resampling.BOX)
    return np.array(small.resize((w, h), Image.Resampling.NEAREST))


def elastic_transform(image: Array, severity: int, rng: np.random.Generator) -> Array:
    """Each pixel sampled from a smoothly displaced position (bilinear, reflected at edges)."""
    x = np.array(image, dtype=np.float32) / 255.0
    shape = x.shape
    sigma = np.array(shape[:2]) * 0.01
    alpha = ELASTIC_ALPHA[severity - 1]
    max_d = shape[0] * 0.005
    fields = []
    for _ in range(2):  # dx, then dy, as the reference draws them
        field = rng.uniform(-max_d, max_d, size=shape[:2])
        smooth = gaussian(field, sigma, mode="reflect", truncate=3) * alpha
        fields.append(smooth.astype(np.float32)[..., np.newaxis])
    dx, dy = fields
    cols, rows, chans = np.meshgrid(np.arange(shape[1]), np.arange(shape[0]), np.arange(shape[2]))
    indices = (
        np.reshape(rows + dy, (-1, 1)),
        np.reshape(cols + dx, (-1, 1)),
        np.reshape(chans, (-1, 1)),
    )
    from scipy.ndimage import map_coordinates  # scipy only when an image is corrupted

    warped = np.asarray(map_coordinates(x, indices, order=1, mode="reflect")).reshape(shape)
    return np.asarray(np.clip(warped, 0, 1) * 255)
