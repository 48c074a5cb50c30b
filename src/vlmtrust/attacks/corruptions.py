"""Common image corruptions at five severities: the ImageNet-C suite (Hendrycks & Dietterich,
2019) as the reference implementation ``imagecorruptions`` defines it, for any image.

One attack class serves every ``corruption.NAME`` (the name picks the function, see
``vlmtrust.attacks.imagenet_c``). Randomness (noise, frost crop, fog, motion angle) is seeded
from the sample's content hash and ``seed``, so the same sample always gets the same
corruption: a resumed run reproduces its inputs exactly.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from pydantic import Field

from vlmtrust.attacks.base import Attack, sample_rng
from vlmtrust.attacks.imagenet_c import ALIASES, corrupt
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Params, Spec

PREFIX = "corruption."


class CorruptionParams(Params):
    severity: int = Field(default=3, ge=1, le=5, description="ImageNet-C severity, 1 to 5")
    seed: int = Field(
        default=0, description="seed of the random draws, mixed with each sample's hash"
    )


class Corruption(Attack):
    Params = CorruptionParams
    params: CorruptionParams

    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        name = spec.name.removeprefix(PREFIX)
        self.corruption = ALIASES.get(name, name)

    def apply(self, sample: Sample) -> Sample:
        if sample.image is None:
            return sample
        return sample.with_image(self.corrupt(sample.load_image(), sample))

    def corrupt(self, image: Image.Image, sample: Sample) -> Image.Image:
        rng = sample_rng(sample, self.params.seed)
        array = np.asarray(image.convert("RGB"), dtype=np.uint8)
        return Image.fromarray(corrupt(array, self.corruption, self.params.severity, rng))
