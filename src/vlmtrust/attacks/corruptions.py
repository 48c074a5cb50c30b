"""Common image corruptions at five severities, after ImageNet-C (Hendrycks & Dietterich, 2019).

Severities are scaled to the image size where it matters (blur), so a 96 px world scene and a
224 px photo get comparable damage. Noise is seeded from the sample's content hash, so the same
sample always gets the same noise: a resumed run reproduces its inputs exactly.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter
from pydantic import Field

from vlmtrust.attacks.base import Attack, sample_rng
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Params


class CorruptionParams(Params):
    severity: int = Field(default=3, ge=1, le=5, description="ImageNet-C severity, 1 to 5")
    seed: int = Field(
        default=0, description="seed of the Gaussian noise, mixed with each sample's hash"
    )


class Corruption(Attack):
    Params = CorruptionParams
    params: CorruptionParams

    def apply(self, sample: Sample) -> Sample:
        if sample.image is None:
            return sample
        return sample.with_image(self.corrupt(sample.load_image(), sample))

    def corrupt(self, image: Image.Image, sample: Sample) -> Image.Image:
        raise NotImplementedError


def _to_image(array: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(array * 255.0 + 0.5, 0, 255).astype(np.uint8))


class GaussianNoise(Corruption):
    _SIGMA = (0.04, 0.08, 0.12, 0.18, 0.26)

    def corrupt(self, image: Image.Image, sample: Sample) -> Image.Image:
        rng = sample_rng(sample, self.params.seed)
        x = np.asarray(image, dtype=np.float32) / 255.0
        noise = rng.normal(0.0, self._SIGMA[self.params.severity - 1], x.shape)
        return _to_image(x + noise.astype(np.float32))


class GaussianBlur(Corruption):
    _SIGMA_AT_224 = (1.0, 2.0, 3.0, 4.0, 6.0)

    def corrupt(self, image: Image.Image, sample: Sample) -> Image.Image:
        radius = self._SIGMA_AT_224[self.params.severity - 1] * min(image.size) / 224.0
        return image.filter(ImageFilter.GaussianBlur(radius))


class Jpeg(Corruption):
    _QUALITY = (25, 18, 15, 10, 7)

    def corrupt(self, image: Image.Image, sample: Sample) -> Image.Image:
        buf = io.BytesIO()
        image.save(buf, format="JPEG", quality=self._QUALITY[self.params.severity - 1])
        with Image.open(io.BytesIO(buf.getvalue())) as decoded:
            return decoded.convert("RGB")


class Contrast(Corruption):
    _FACTOR = (0.4, 0.3, 0.2, 0.1, 0.05)

    def corrupt(self, image: Image.Image, sample: Sample) -> Image.Image:
        x = np.asarray(image, dtype=np.float32) / 255.0
        mean = x.mean(axis=(0, 1), keepdims=True)
        return _to_image((x - mean) * self._FACTOR[self.params.severity - 1] + mean)
