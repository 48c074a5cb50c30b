"""OCR masking: blur out any text the model would otherwise read, against typographic attacks.

A typographic attack (Goh et al. 2021) works because an image-text model reads words written on
the image; a model that cannot read them cannot be fooled by them. Before the inner model sees an
image, rapidocr's text detector (PP-OCR DB, run offline from the ONNX model shipped in the wheel,
detection only: no recogniser or angle classifier is loaded) finds text boxes, and each box,
padded by ``pad`` pixels, is replaced by a Gaussian blur of itself. The price is whatever the
model loses when real content that looks like text is blurred too: tasks report clean accuracy
with the mask beside the attack success it removes.

The detector is given the image upscaled ``upscale`` times: on typographic-attacked 96 px world
scenes (one word, placed at random) it covered the word in 84% of them at 1x, 96% at 2x (the
default, ~80-100 ms an image on 2 shared cores) and 95% at 3x; with the attack's default (two
copies on plain background) 91% at 2x. It also fires on drawn shapes in clean scenes, which
would blur the very object being classified; a box must therefore be ``min_aspect`` times wider
than tall, as a written word is. Measured on 200 clean world scenes, such false boxes reach an
aspect of 1.96 (pairs of crosses; 1.5 cost zoo:clip 2.5 points of clean accuracy), while boxes
around a written 16 px shape name are 1.6-4.2 wide, 95% of them above 2.0: hence 2.0. The cost:
single glyphs, short words and vertical text are not masked. Pixel parameters are at 96 px and
scaled with the image, like the attack's font size. Detections are cached per image content
within a wrapped model, since one image is often classified against several label sets.

Only ``encode_image``, ``classify`` and ``generate`` are masked, and only those the inner model
has. ``to_pixels`` and ``pixel_logits`` pass through unchanged: the mask is not differentiable,
so a gradient attack (PGD) sees, and is measured against, the unmasked model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image, ImageFilter
from pydantic import Field

from vlmtrust.core.spec import Params
from vlmtrust.mitigations.base import WrappedModel, Wrapper
from vlmtrust.scorers.ocr import ocr_engine

#: axis-aligned text box in the original image's pixels: left, top, right, bottom (exclusive)
Box = tuple[int, int, int, int]

#: the image size the pixel parameters are given at (the world scenes' size)
REFERENCE_PX = 96


class OcrMaskParams(Params):
    blur_radius: float = Field(
        default=6.0, gt=0.0, description="Gaussian blur radius at 96 px, scaled with the image"
    )
    pad: int = Field(default=2, ge=0, description="pixels added around each box at 96 px")
    min_score: float = Field(
        default=0.5, ge=0.0, le=1.0, description="detector score a text box needs to be masked"
    )
    upscale: int = Field(
        default=2, ge=1, le=8, description="factor the image is enlarged by for detection"
    )
    min_aspect: float = Field(
        default=2.0, ge=0.0, description="width / height a box needs: a word, not a blob"
    )


class OcrMask(Wrapper):
    Params = OcrMaskParams
    params: OcrMaskParams
    requires = ()  # anything that takes images; a text-only call passes through untouched
    #: the image entry points it masks (those the inner model has) and its own helpers;
    #: ``to_pixels`` and ``pixel_logits`` pass through (the mask is not differentiable)
    acts_on = frozenset({"encode_image", "classify", "generate", "mask", "mask_all", "boxes"})

    def wrap(self, model: Any) -> OcrMasked:
        return OcrMasked(model, self.params)


def _scale(image: Image.Image) -> float:
    return min(image.size) / REFERENCE_PX


class OcrMasked(WrappedModel):
    """The inner model, shown images with their detected text blurred out."""

    def __init__(self, inner: Any, params: OcrMaskParams) -> None:
        super().__init__(inner)
        self.params = params
        self._boxes: dict[str, tuple[Box, ...]] = {}
        # expose exactly the inner model's image entry points, so capability checks still see
        # the inner model's capabilities and nothing more
        if hasattr(inner, "encode_image"):
            self.encode_image = self._encode_image
        if hasattr(inner, "classify"):
            self.classify = self._classify
        if hasattr(inner, "generate"):
            self.generate = self._generate

    def _encode_image(self, images: Sequence[Image.Image]) -> np.ndarray:
        return np.asarray(self.inner.encode_image(self.mask_all(images)))

    def _classify(self, images: Sequence[Image.Image], labels: Sequence[str]) -> np.ndarray:
        return np.asarray(self.inner.classify(self.mask_all(images), labels))

    def _generate(self, images: Sequence[Image.Image | None], prompts: Sequence[str]) -> list[str]:
        masked = [None if image is None else self.mask(image) for image in images]
        return list(self.inner.generate(masked, prompts))

    def mask_all(self, images: Sequence[Image.Image]) -> list[Image.Image]:
        return [self.mask(image) for image in images]

    def mask(self, image: Image.Image) -> Image.Image:
        """``image`` with every detected text box (padded) blurred; unchanged if none."""
        boxes = self.boxes(image)
        if not boxes:
            return image
        rgb = image.convert("RGB")
        scale = _scale(rgb)
        blurred = rgb.filter(ImageFilter.GaussianBlur(self.params.blur_radius * scale))
        pad = round(self.params.pad * scale)
        out = rgb.copy()
        for left, top, right, bottom in boxes:
            region = (
                max(0, left - pad),
                max(0, top - pad),
                min(rgb.width, right + pad),
                min(rgb.height, bottom + pad),
            )
            if region[2] > region[0] and region[3] > region[1]:
                out.paste(blurred.crop(region), region[:2])
        return out

    def boxes(self, image: Image.Image) -> tuple[Box, ...]:
        """Text boxes rapidocr's detector finds, cached by the image's pixels."""
        rgb = image.convert("RGB")
        key = hashlib.blake2b(f"{rgb.size}".encode() + rgb.tobytes(), digest_size=16).hexdigest()
        found = self._boxes.get(key)
        if found is None:
            found = self._detect(rgb)
            self._boxes[key] = found
        return found

    def _detect(self, rgb: Image.Image) -> tuple[Box, ...]:
        up = self.params.upscale
        big = rgb.resize((rgb.width * up, rgb.height * up), Image.Resampling.BICUBIC)
        out = ocr_engine(recognise=False, as_given=True)(
            big, use_det=True, use_cls=False, use_rec=False, box_thresh=self.params.min_score
        )
        if out.boxes is None:
            return ()
        scores = out.scores if out.scores is not None else [1.0] * len(out.boxes)
        found: list[Box] = []
        for quad, score in zip(out.boxes, scores, strict=True):
            points = np.asarray(quad, dtype=float) / up
            width, height = points.max(axis=0) - points.min(axis=0)
            if float(score) < self.params.min_score or width < self.params.min_aspect * height:
                continue
            left, top = np.floor(points.min(axis=0)).astype(int)
            right, bottom = np.ceil(points.max(axis=0)).astype(int)
            found.append((int(left), int(top), int(right), int(bottom)))
        return tuple(found)
