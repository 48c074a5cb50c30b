"""PSNR and our SSIM against hand-computed cases."""

import math

import torch

from vlmtrust.metrics.image_quality import psnr, ssim


def test_psnr_hand_case():
    a = torch.zeros(3, 8, 8)
    assert abs(psnr(a, a + 0.1) - 20.0) < 1e-4  # mse 0.01 -> 10 log10(100) = 20 dB
    assert math.isinf(psnr(a, a))


def test_ssim_identity_and_flat_images():
    x = torch.rand(3, 32, 32, generator=torch.Generator().manual_seed(0))
    assert abs(ssim(x, x) - 1.0) < 1e-12
    # flat images: zero variance, so SSIM is the luminance term alone
    a, b = torch.full((1, 16, 16), 0.25), torch.full((1, 16, 16), 0.75)  # exact in float32
    c1 = 0.01**2
    expected = (2 * 0.25 * 0.75 + c1) / (0.25**2 + 0.75**2 + c1)
    assert abs(ssim(a, b) - expected) < 1e-9


def test_ssim_falls_with_noise_and_with_inversion():
    g = torch.Generator().manual_seed(1)
    x = torch.rand(3, 32, 32, generator=g)
    noisy = (x + 0.2 * torch.randn(3, 32, 32, generator=g)).clamp(0, 1)
    assert ssim(x, noisy) < 0.9
    assert ssim(x, 1 - x) < 0  # anti-correlated structure
