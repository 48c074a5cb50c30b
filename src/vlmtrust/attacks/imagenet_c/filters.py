"""The helpers the reference corruptions are built from, written to give the reference's numbers.

imagecorruptions calls scikit-image for a Gaussian filter, HSV conversion and salt-and-pepper
noise; scikit-image is not one of our dependencies, so the three are re-stated here from
scikit-image 0.26 (``skimage/_shared/filters.py``, ``skimage/color/colorconv.py``,
``skimage/util/noise.py``) on float input, which is all the corruptions pass them. The rest
(``disk``, ``plasma_fractal``, ``clipped_zoom``, ``motion_blur``) follows
``imagecorruptions/corruptions.py`` 1.1.2 line by line, with its global ``np.random`` replaced
by the generator passed in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

Array = np.ndarray


def gaussian(
    x: Array,
    sigma: float | Sequence[float] | Array,
    *,
    mode: str = "nearest",
    truncate: float = 4.0,
) -> Array:
    """``skimage.filters.gaussian`` on a float array (its defaults: ``mode="nearest"``,
    ``truncate=4``)."""
    from scipy.ndimage import gaussian_filter  # scipy only when an image is corrupted

    return np.asarray(gaussian_filter(x, sigma, mode=mode, truncate=truncate))


def gaussian_rgb(x: Array, sigma: float) -> Array:
    """``skimage.filters.gaussian(x, sigma, channel_axis=-1)``: each channel on its own."""
    return gaussian(x, (sigma, sigma, 0.0))


def rgb2hsv(rgb: Array) -> Array:
    """``skimage.color.rgb2hsv`` for float RGB in [0, 1]."""
    arr = np.asarray(rgb, dtype=np.float64)
    out = np.empty_like(arr)
    out_v = arr.max(-1)
    delta = np.ptp(arr, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out_s = delta / out_v
        out_s[delta == 0.0] = 0.0
        idx = arr[..., 0] == out_v
        out[idx, 0] = (arr[idx, 1] - arr[idx, 2]) / delta[idx]
        idx = arr[..., 1] == out_v
        out[idx, 0] = 2.0 + (arr[idx, 2] - arr[idx, 0]) / delta[idx]
        idx = arr[..., 2] == out_v
        out[idx, 0] = 4.0 + (arr[idx, 0] - arr[idx, 1]) / delta[idx]
        out_h = (out[..., 0] / 6.0) % 1.0
    out_h[delta == 0.0] = 0.0
    out[..., 0], out[..., 1], out[..., 2] = out_h, out_s, out_v
    out[np.isnan(out)] = 0
    return out


def hsv2rgb(hsv: Array) -> Array:
    """``skimage.color.hsv2rgb``."""
    arr = np.asarray(hsv, dtype=np.float64)
    hi = np.floor(arr[..., 0] * 6)
    f = arr[..., 0] * 6 - hi
    p = arr[..., 2] * (1 - arr[..., 1])
    q = arr[..., 2] * (1 - f * arr[..., 1])
    t = arr[..., 2] * (1 - (1 - f) * arr[..., 1])
    v = arr[..., 2]
    sector = np.stack([hi, hi, hi], axis=-1).astype(np.uint8) % 6
    choices = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    return np.asarray(np.choose(sector, np.stack([np.stack(c, axis=-1) for c in choices])))


def salt_and_pepper(x: Array, amount: float, rng: np.random.Generator) -> Array:
    """``skimage.util.random_noise(x, mode="s&p", amount=amount)`` with ``rng``: each value
    flipped with probability ``amount``, half of the flips to 1, half to 0."""
    out = x.copy()
    flipped = rng.random(x.shape) <= amount
    salted = rng.random(x.shape) <= 0.5
    out[flipped & salted] = 1
    out[flipped & ~salted] = 0
    return np.asarray(np.clip(out, 0.0, 1.0))


def disk(radius: int, alias_blur: float) -> Array:
    """The reference's anti-aliased disk kernel for defocus blur."""
    import cv2

    if radius <= 8:
        grid, ksize = np.arange(-8, 8 + 1), (3, 3)
    else:
        grid, ksize = np.arange(-radius, radius + 1), (5, 5)
    xs, ys = np.meshgrid(grid, grid)
    aliased = np.array((xs**2 + ys**2) <= radius**2, dtype=np.float32)
    aliased /= np.sum(aliased)
    return np.asarray(cv2.GaussianBlur(aliased, ksize=ksize, sigmaX=alias_blur))


def plasma_fractal(mapsize: int, wibbledecay: float, rng: np.random.Generator) -> Array:
    """Diamond-square height map in [0, 1] (fog), ``mapsize`` a power of two."""
    maparray = np.zeros((mapsize, mapsize), dtype=np.float64)
    stepsize, wibble = mapsize, 100.0

    def wibbledmean(array: Array) -> Array:
        return array / 4 + wibble * rng.uniform(-wibble, wibble, array.shape)

    while stepsize >= 2:
        half = stepsize // 2
        corners = maparray[0:mapsize:stepsize, 0:mapsize:stepsize]
        squares = corners + np.roll(corners, shift=-1, axis=0)
        squares += np.roll(squares, shift=-1, axis=1)
        maparray[half:mapsize:stepsize, half:mapsize:stepsize] = wibbledmean(squares)
        centres = maparray[half:mapsize:stepsize, half:mapsize:stepsize]
        corners = maparray[0:mapsize:stepsize, 0:mapsize:stepsize]
        left = centres + np.roll(centres, 1, axis=0) + (corners + np.roll(corners, -1, axis=1))
        maparray[0:mapsize:stepsize, half:mapsize:stepsize] = wibbledmean(left)
        top = centres + np.roll(centres, 1, axis=1) + (corners + np.roll(corners, -1, axis=0))
        maparray[half:mapsize:stepsize, 0:mapsize:stepsize] = wibbledmean(top)
        stepsize //= 2
        wibble /= wibbledecay
    maparray -= maparray.min()
    return np.asarray(maparray / maparray.max())


def clipped_zoom(img: Array, zoom_factor: float) -> Array:
    """Zoom into the centre of an (H, W, C) array, bilinearly; the result may be a pixel or
    two larger than the input (callers crop)."""
    ch0 = int(np.ceil(img.shape[0] / float(zoom_factor)))
    top0 = (img.shape[0] - ch0) // 2
    ch1 = int(np.ceil(img.shape[1] / float(zoom_factor)))
    top1 = (img.shape[1] - ch1) // 2
    crop = img[top0 : top0 + ch0, top1 : top1 + ch1]
    from scipy.ndimage import zoom

    return np.asarray(zoom(crop, (zoom_factor, zoom_factor, 1), order=1))


def _shift(image: Array, dx: int, dy: int) -> Array:
    """Shift by (dx, dy) pixels, repeating the edge row/column into the gap."""
    if dx < 0:
        shifted = np.roll(image, shift=image.shape[1] + dx, axis=1)
        shifted[:, dx:] = shifted[:, dx - 1 : dx]
    elif dx > 0:
        shifted = np.roll(image, shift=dx, axis=1)
        shifted[:, :dx] = shifted[:, dx : dx + 1]
    else:
        shifted = image
    if dy < 0:
        shifted = np.roll(shifted, shift=image.shape[0] + dy, axis=0)
        shifted[dy:, :] = shifted[dy - 1 : dy, :]
    elif dy > 0:
        shifted = np.roll(shifted, shift=dy, axis=0)
        shifted[:dy, :] = shifted[dy : dy + 1, :]
    return shifted


def shifted_blur(x: Array, radius: int, sigma: float, angle: float) -> Array:
    """The reference's ImageMagick-free motion blur: a one-sided Gaussian-weighted sum of
    copies shifted along ``angle`` (degrees)."""
    width = radius * 2 + 1
    k = np.exp(-(np.arange(width) ** 2) / (2 * (sigma**2))) / (np.sqrt(2 * np.pi) * sigma)
    kernel = k / np.sum(k)
    point = (width * np.sin(np.deg2rad(angle)), width * np.cos(np.deg2rad(angle)))
    hypot = math.hypot(point[0], point[1])
    blurred: Array = np.zeros_like(x, dtype=np.float32)
    for i in range(width):
        dy = -math.ceil(((i * point[0]) / hypot) - 0.5)
        dx = -math.ceil(((i * point[1]) / hypot) - 0.5)
        if np.abs(dy) >= x.shape[0] or np.abs(dx) >= x.shape[1]:
            break  # the motion left the image
        blurred = blurred + kernel[i] * _shift(x, dx, dy)
    return blurred
