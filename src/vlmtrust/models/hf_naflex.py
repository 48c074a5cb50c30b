"""SigLIP 2 NaFlex (``model_type`` siglip2): images at their own aspect ratio, as patch sequences.

Siglip2ImageProcessor resizes each image, keeping its aspect ratio, to the largest grid of
``patch_size`` patches that fits ``max_num_patches``, then flattens the patches and pads the
sequence (with a mask and the grid's shape). This is that arithmetic in PIL and torch, so the
pixels stay [0, 1] tensors that gradients reach (the processor needs neither here).

``encode_image`` and ``classify`` follow the processor image by image. ``to_pixels`` must give
one tensor: a batch whose images share a grid (images of one size do) keeps it; a batch mixing
shapes is squashed to the square grid, so ``pixel_logits`` then differs from ``classify``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from PIL import Image

from vlmtrust.models.hf import DualEncoderArch, HFDualEncoder, Preprocess

if TYPE_CHECKING:
    from transformers import PreTrainedModel


@dataclass(frozen=True, kw_only=True)
class NaflexPreprocess(Preprocess):
    """``size`` is the side of the square grid a mixed batch is squashed to (see module doc)."""

    patch_size: int
    max_num_patches: int

    @classmethod
    def read(cls, path: Path, arch: DualEncoderArch, model: PreTrainedModel) -> NaflexPreprocess:
        """preprocessor_config.json's patching, else the model's patch size and position grid."""
        config_path = path / "preprocessor_config.json"
        config = {}
        if config_path.is_file():
            config = json.loads(config_path.read_text(encoding="utf-8"))
        vision = model.config.vision_config
        patch = int(config.get("patch_size", vision.patch_size))
        most = int(config.get("max_num_patches", vision.num_patches))
        return cls(
            size=patch * math.isqrt(most),
            center_crop=False,
            mean=tuple(float(v) for v in config.get("image_mean", arch.mean)),
            std=tuple(float(v) for v in config.get("image_std", arch.std)),
            resample=int(config.get("resample", arch.resample)),
            patch_size=patch,
            max_num_patches=most,
        )

    def grid_size(self, height: int, width: int) -> tuple[int, int]:
        """(height, width) in pixels: transformers' binary search for the largest scale whose
        patch-rounded size fits ``max_num_patches`` (same steps, so the same sizes)."""
        patch = self.patch_size

        def scaled(scale: float, side: int) -> int:
            return max(patch, math.ceil(side * scale / patch) * patch)

        low, high = 1e-6, 100.0
        while high - low >= 1e-5:
            scale = (low + high) / 2
            patches = (scaled(scale, height) / patch) * (scaled(scale, width) / patch)
            if patches <= self.max_num_patches:
                low = scale
            else:
                high = scale
        return scaled(low, height), scaled(low, width)

    def fit(self, image: Image.Image) -> Image.Image:
        """The image resized (aspect kept) to its own patch grid, as RGB."""
        image = image.convert("RGB")
        height, width = self.grid_size(image.height, image.width)
        return image.resize((width, height), Image.Resampling(self.resample))

    def patches(
        self, images: Sequence[torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Normalised (3, h, w) images -> padded patch rows, their mask and grid shapes."""
        patch, most = self.patch_size, self.max_num_patches
        rows, masks, shapes = [], [], []
        for image in images:
            channels, height, width = image.shape
            grid_h, grid_w = height // patch, width // patch
            flat = (
                image.reshape(channels, grid_h, patch, grid_w, patch)
                .permute(1, 3, 2, 4, 0)
                .reshape(grid_h * grid_w, patch * patch * channels)
            )
            if flat.shape[0] > most:
                raise ValueError(
                    f"{grid_h}x{grid_w} patches exceed max_num_patches={most}: pass pixels from "
                    "to_pixels (or of a size whose patch grid fits)"
                )
            pad = most - flat.shape[0]
            rows.append(torch.nn.functional.pad(flat, (0, 0, 0, pad)))
            masks.append(torch.cat([torch.ones(flat.shape[0]), torch.zeros(pad)]).long())
            shapes.append((grid_h, grid_w))
        return torch.stack(rows), torch.stack(masks), torch.tensor(shapes, dtype=torch.long)


def _to_tensor(image: Image.Image) -> torch.Tensor:
    return torch.from_numpy(np.asarray(image).copy()).permute(2, 0, 1).float().div(255.0)


class HFNaflexEncoder(HFDualEncoder):
    """A SigLIP 2 NaFlex model: the dual encoder with the processor's patch-sequence input."""

    def _naflex(self) -> NaflexPreprocess:
        assert isinstance(self._preprocess, NaflexPreprocess)
        return self._preprocess

    def _embed_images(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """Each image at its own grid, as the processor gives them (one padded batch)."""
        if not images:
            return torch.empty((0, self.embed_dim), device=self._device)
        pixels = [_to_tensor(self._naflex().fit(image)) for image in images]
        parts = self._image_batches.run(
            len(pixels), lambda rows: self._patch_embeddings(pixels[rows])
        )
        return torch.cat(parts)

    def _pixels(self, images: Sequence[Image.Image]) -> torch.Tensor:
        preprocess = self._naflex()
        if not images:
            return torch.empty((0, 3, preprocess.size, preprocess.size))
        fitted = [preprocess.fit(image) for image in images]
        if len({image.size for image in fitted}) > 1:
            side = preprocess.size
            resample = Image.Resampling(preprocess.resample)
            fitted = [image.convert("RGB").resize((side, side), resample) for image in images]
        return torch.stack([_to_tensor(image) for image in fitted]).contiguous()

    def _image_embeddings(self, pixels: torch.Tensor) -> torch.Tensor:
        if pixels.shape[0] == 0:
            return torch.empty((0, self.embed_dim), device=self._device)
        return self._patch_embeddings(list(pixels))

    def _patch_embeddings(self, pixels: Sequence[torch.Tensor]) -> torch.Tensor:
        mean, std = self._mean.view(3, 1, 1), self._std.view(3, 1, 1)
        normalised = [(image.to(self._device, torch.float32) - mean) / std for image in pixels]
        rows, mask, shapes = self._naflex().patches(normalised)
        features = self._model.get_image_features(
            pixel_values=rows.to(self._dtype),
            pixel_attention_mask=mask.to(self._device),
            spatial_shapes=shapes.to(self._device),
        )
        return _unit_pooled(features)


def _unit_pooled(output: Any) -> torch.Tensor:
    pooled = output if isinstance(output, torch.Tensor) else output.pooler_output
    return torch.nn.functional.normalize(pooled.float(), dim=-1)
