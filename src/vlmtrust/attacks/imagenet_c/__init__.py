"""The ImageNet-C corruption suite: 15 corruptions in four families plus the 4 extra
(validation) corruptions, each at severities 1-5, for any RGB image.

Why our own code and not the ``imagecorruptions`` package (the reference implementation,
github.com/bethgelab/imagecorruptions): its last release, 1.1.2, does not import against our
pins. It imports ``pkg_resources`` (gone from setuptools 84), calls ``np.float_`` (gone from
numpy 2) and ``skimage.filters.gaussian(multichannel=True)`` (gone from scikit-image 0.19),
and requires ``opencv-python`` 5, which overwrites the ``cv2`` of our
``opencv-python-headless<5``. So the functions here restate its ``corruptions.py`` (1.1.2)
with the same parameters, the same operations in the same order, and the reference's global
``np.random`` replaced by a generator seeded from the sample; ``tests/attacks/test_imagenet_c.py``
checks them against values the reference itself produced on fixed inputs and draws.

Parameters are in pixels, as in the reference (ImageNet-C corrupted 224 px images): on a
smaller image the blurs and weather effects cover relatively more of it.
"""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

import numpy as np

from vlmtrust.attacks.imagenet_c import blur, digital, noise, weather

Corrupt = Callable[[np.ndarray, int, np.random.Generator], np.ndarray]

#: ImageNet-C's families (``imagecorruptions.get_corruption_names(subset)``), in its order;
#: ``extra`` is its ``validation`` subset
FAMILIES: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        "noise": ("gaussian_noise", "shot_noise", "impulse_noise"),
        "blur": ("defocus_blur", "glass_blur", "motion_blur", "zoom_blur"),
        "weather": ("snow", "frost", "fog", "brightness"),
        "digital": ("contrast", "elastic_transform", "pixelate", "jpeg_compression"),
        "extra": ("speckle_noise", "gaussian_blur", "spatter", "saturate"),
    }
)
FAMILY_OF: MappingProxyType[str, str] = MappingProxyType(
    {name: family for family, names in FAMILIES.items() for name in names}
)
#: the 15 corruptions mCE is defined over in ImageNet-C, then the 4 extra
ALL = tuple(FAMILY_OF)
COMMON = tuple(n for n in ALL if FAMILY_OF[n] != "extra")
CORRUPTIONS: MappingProxyType[str, Corrupt] = MappingProxyType(
    {
        "gaussian_noise": noise.gaussian_noise,
        "shot_noise": noise.shot_noise,
        "impulse_noise": noise.impulse_noise,
        "defocus_blur": blur.defocus_blur,
        "glass_blur": blur.glass_blur,
        "motion_blur": blur.motion_blur,
        "zoom_blur": blur.zoom_blur,
        "snow": weather.snow,
        "frost": weather.frost,
        "fog": weather.fog,
        "brightness": digital.brightness,
        "contrast": digital.contrast,
        "elastic_transform": digital.elastic_transform,
        "pixelate": digital.pixelate,
        "jpeg_compression": digital.jpeg_compression,
        "speckle_noise": noise.speckle_noise,
        "gaussian_blur": blur.gaussian_blur,
        "spatter": weather.spatter,
        "saturate": digital.saturate,
    }
)
#: our older names for reference corruptions, kept so existing specs and stored runs still read
ALIASES: MappingProxyType[str, str] = MappingProxyType({"jpeg": "jpeg_compression"})
SEVERITIES = (1, 2, 3, 4, 5)


def corrupt(image: np.ndarray, name: str, severity: int, rng: np.random.Generator) -> np.ndarray:
    """``name`` at ``severity`` applied to an (H, W, 3) uint8 array; the result is uint8,
    truncated as the reference's ``np.uint8(...)`` does."""
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be 1 to 5, got {severity}")
    out = CORRUPTIONS[name](np.ascontiguousarray(image, dtype=np.uint8), severity, rng)
    return np.asarray(out).astype(np.uint8)
