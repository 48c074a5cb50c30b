"""Images -> a float tensor of pixels in [0, 1] at one square size: the resize every 64 px path
shares (the zoo tower's input, the world's stored training pool), so they agree bit for bit."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from PIL import Image


def resized_pixels(images: Sequence[Image.Image], size: int) -> torch.Tensor:
    """(B, 3, size, size) float32 in [0, 1]: RGB, bilinear resize, no normalisation."""
    arrays = [
        np.asarray(img.convert("RGB").resize((size, size), Image.Resampling.BILINEAR))
        for img in images
    ]
    if not arrays:
        return torch.zeros((0, 3, size, size))
    stacked = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2)
    return stacked.float().div_(255.0)
