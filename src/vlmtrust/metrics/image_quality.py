"""PSNR and SSIM for images in [0, 1] (scikit-image is not a dependency, so SSIM is here).

SSIM follows Wang et al. 2004: an 11x11 Gaussian window (sigma 1.5), K1 = 0.01, K2 = 0.03,
data range 1, computed per channel and averaged over channels and positions ("valid" windows,
no padding), as skimage's ``structural_similarity(gaussian_weights=True, sigma=1.5,
use_sample_covariance=False)`` does (the settings its documentation gives for Wang et al.).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    """Peak signal-to-noise ratio in dB; infinite for identical images."""
    mse = float(((a - b) ** 2).mean())
    return math.inf if mse == 0 else 10 * math.log10(1.0 / mse)


def _window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(x**2) / (2 * sigma**2))
    g = g / g.sum()
    return torch.outer(g, g)


def ssim(a: torch.Tensor, b: torch.Tensor, size: int = 11) -> float:
    """Mean SSIM of two (C, H, W) images in [0, 1]."""
    x, y = a.double().unsqueeze(1), b.double().unsqueeze(1)  # channels as batch
    w = _window(min(size, x.shape[-1], x.shape[-2]))[None, None]

    def blur(t: torch.Tensor) -> torch.Tensor:
        return F.conv2d(t, w)

    c1, c2 = 0.01**2, 0.03**2
    mx, my = blur(x), blur(y)
    vx = blur(x * x) - mx**2
    vy = blur(y * y) - my**2
    cov = blur(x * y) - mx * my
    value = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    return float(value.mean())
