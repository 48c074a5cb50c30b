"""The zoo's image tower: a small CNN trained LiT-style against the frozen MiniLM text tower.

Small on purpose (~0.5M parameters at 64 px): it trains in minutes on 2 CPU cores and still
learns shapes, colours, people, props and written words. Its 4x4 feature map is also what the
generative assistant sees, as 16 prefix tokens.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from PIL import Image
from torch import nn

from vlmtrust.core.pixels import resized_pixels
from vlmtrust.models.text_encoder import EMBED_DIM

INPUT_SIZE = 64
MEAN = 0.5
STD = 0.5
CHANNELS = (32, 32, 64, 128, 256)


def _conv(c_in: int, c_out: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class ImageTower(nn.Module):
    """pixels in [0, 1], (B, 3, 64, 64) -> (embedding (B, 384), feature map (B, 256, 4, 4)).

    A ``core.capabilities.ConvTower``: ``features`` (its ``blocks``), ``project``,
    ``normalise`` (its ``stem``), mean pooling and the ``mean``/``std`` it normalises with
    (class attributes: not in the state dict, so the weights and fingerprints stay those
    shipped)."""

    mean: float = MEAN
    std: float = STD

    def __init__(self) -> None:
        super().__init__()
        c = CHANNELS
        self.features = nn.Sequential(
            _conv(3, c[0], 2),  # 32x32
            _conv(c[0], c[1], 1),
            _conv(c[1], c[2], 2),  # 16x16
            _conv(c[2], c[2], 1),
            _conv(c[2], c[3], 2),  # 8x8
            _conv(c[3], c[4], 2),  # 4x4
        )
        self.project = nn.Linear(c[4], EMBED_DIM)

    def forward(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        fmap = self.features(self.normalise(pixels))
        embedding = self.project(self.pool(fmap))
        return nn.functional.normalize(embedding, dim=-1), fmap

    def normalise(self, pixels: torch.Tensor) -> torch.Tensor:
        """Pixels in [0, 1] -> the conv blocks' input."""
        return (pixels - self.mean) / self.std

    # BlockTower: what the trainers' tower split reads
    @property
    def blocks(self) -> nn.Sequential:
        return self.features

    def stem(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.normalise(pixels)

    def pool(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden.mean(dim=(2, 3))


def to_pixels(images: Sequence[Image.Image]) -> torch.Tensor:
    """The one preprocessing path for training, inference and gradient attacks."""
    return resized_pixels(images, INPUT_SIZE)
