"""A tiny text-to-image diffusion model that draws world scenes from a caption: the zoo's
``zoo:t2i`` to be, not shipped until its recipe passes (``vlmtrust.zoo.train_t2i``).

Why this shape: it must train in minutes on 2 CPU cores and ship in a few MB, so it denoises
at 32 px (a world shape is still recognisable there) and upsamples to zoo:clip's 64 px input.
A small UNet (three resolutions, ~0.37M parameters) predicts the noise of a cosine-schedule
DDPM; the caption enters as the frozen MiniLM embedding, the same text tower zoo:clip was
trained against, so any caption (zoo:assistant's, say) can drive it. Captions are dropped in
training so classifier-free guidance can push samples towards their caption; sampling is
DDIM, seeded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from safetensors.torch import load_file, save_file
from torch import nn

from vlmtrust.models.base import ModelAdapter, ModelHandle
from vlmtrust.models.text_encoder import EMBED_DIM, MiniLM
from vlmtrust.models.zoo.tower import INPUT_SIZE

#: the side the UNet denoises at; images come out upsampled to ``INPUT_SIZE``
SIDE = 32
CHANNELS = (16, 32, 64)
EMBED = 128
TIMESTEPS = 1000
#: defaults of generation: DDIM steps and guidance scale (the card measures these)
SAMPLING_STEPS = 10
GUIDANCE = 3.0


def alphas_cumprod(steps: int = TIMESTEPS) -> torch.Tensor:
    """The cosine schedule (Nichol and Dhariwal): cumulative signal share at each step."""
    t = torch.linspace(0, steps, steps + 1, dtype=torch.float64) / steps
    f = torch.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2
    out = (f[1:] / f[0]).clamp(min=1e-5, max=0.9999)
    return out.float()


def _timestep_features(t: torch.Tensor, dim: int = EMBED) -> torch.Tensor:
    half = dim // 2
    freqs = torch.exp(-math.log(10_000.0) * torch.arange(half, dtype=torch.float32) / half)
    angles = t.float()[:, None] * freqs[None]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class ResBlock(nn.Module):
    """Two convs with the step-and-caption vector as FiLM scale and shift in between."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.norm1 = nn.GroupNorm(8, c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.film = nn.Linear(EMBED, 2 * c_out)
        self.norm2 = nn.GroupNorm(8, c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip: nn.Module = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(nn.functional.silu(self.norm1(x)))
        scale, shift = self.film(emb)[:, :, None, None].chunk(2, dim=1)
        h = self.norm2(h) * (1 + scale) + shift
        h = self.conv2(nn.functional.silu(h))
        out: torch.Tensor = h + self.skip(x)
        return out


class TinyUNet(nn.Module):
    """(noisy pixels (B, 3, 32, 32) in [-1, 1], step (B,), caption embedding (B, 384) or
    zeros for "no caption") -> predicted noise."""

    def __init__(self) -> None:
        super().__init__()
        c1, c2, c3 = CHANNELS
        self.time = nn.Sequential(nn.Linear(EMBED, EMBED), nn.SiLU(), nn.Linear(EMBED, EMBED))
        self.caption = nn.Sequential(
            nn.Linear(EMBED_DIM, EMBED), nn.SiLU(), nn.Linear(EMBED, EMBED)
        )
        self.inc = nn.Conv2d(3, c1, 3, padding=1)
        self.down1 = ResBlock(c1, c1)
        self.pool1 = nn.Conv2d(c1, c1, 3, stride=2, padding=1)
        self.down2 = ResBlock(c1, c2)
        self.pool2 = nn.Conv2d(c2, c2, 3, stride=2, padding=1)
        self.down3 = ResBlock(c2, c3)
        self.mid = ResBlock(c3, c3)
        self.up2 = ResBlock(c3 + c2, c2)
        self.up1 = ResBlock(c2 + c1, c1)
        self.out_norm = nn.GroupNorm(8, c1)
        self.out = nn.Conv2d(c1, 3, 3, padding=1)

    def forward(self, x: torch.Tensor, t: torch.Tensor, caption: torch.Tensor) -> torch.Tensor:
        emb = self.time(_timestep_features(t)) + self.caption(caption)
        h1 = self.down1(self.inc(x), emb)
        h2 = self.down2(self.pool1(h1), emb)
        h3 = self.mid(self.down3(self.pool2(h2), emb), emb)
        up = nn.functional.interpolate(h3, scale_factor=2.0, mode="nearest")
        u2 = self.up2(torch.cat([up, h2], dim=1), emb)
        up = nn.functional.interpolate(u2, scale_factor=2.0, mode="nearest")
        u1 = self.up1(torch.cat([up, h1], dim=1), emb)
        out: torch.Tensor = self.out(nn.functional.silu(self.out_norm(u1)))
        return out


def noised(
    clean: torch.Tensor, t: torch.Tensor, noise: torch.Tensor, schedule: torch.Tensor
) -> torch.Tensor:
    """The forward process: ``clean`` at step ``t`` with ``noise`` mixed in."""
    a = schedule[t][:, None, None, None]
    return a.sqrt() * clean + (1 - a).sqrt() * noise


@torch.inference_mode()
def ddim_sample(
    unet: TinyUNet,
    captions: torch.Tensor,
    noise: torch.Tensor,
    steps: int = SAMPLING_STEPS,
    guidance: float = GUIDANCE,
) -> torch.Tensor:
    """Deterministic DDIM (eta 0) with classifier-free guidance from ``noise`` (B, 3, 32, 32):
    the drawn pixels, same shape, in [0, 1]."""
    schedule = alphas_cumprod()
    n = len(captions)
    x = noise
    times = torch.linspace(TIMESTEPS - 1, 0, steps).round().long()
    both = torch.cat([captions, torch.zeros_like(captions)])
    for i, t in enumerate(times):
        step = torch.full((2 * n,), int(t), dtype=torch.long)
        cond, uncond = unet(torch.cat([x, x]), step, both).chunk(2)
        eps = uncond + guidance * (cond - uncond)
        a = schedule[t]
        x0 = ((x - (1 - a).sqrt() * eps) / a.sqrt()).clamp(-1, 1)
        eps = (x - a.sqrt() * x0) / (1 - a).sqrt()
        a_next = schedule[times[i + 1]] if i + 1 < len(times) else torch.tensor(1.0)
        x = a_next.sqrt() * x0 + (1 - a_next).sqrt() * eps
    return x.clamp(-1, 1).add(1).div(2)


def to_images(pixels: torch.Tensor, size: int = INPUT_SIZE) -> list[Image.Image]:
    """(B, 3, s, s) in [0, 1] -> PIL images upsampled (bilinear) to ``size``."""
    arrays = (pixels.permute(0, 2, 3, 1).numpy() * 255).round().astype(np.uint8)
    return [Image.fromarray(a).resize((size, size), Image.Resampling.BILINEAR) for a in arrays]


def save_t2i(path: Path, unet: TinyUNet) -> None:
    save_file({k: v.detach().contiguous() for k, v in unet.state_dict().items()}, str(path))


def load_unet(path: Path) -> TinyUNet:
    unet = TinyUNet()
    unet.load_state_dict(load_file(str(path)))
    unet.eval()
    for p in unet.parameters():
        p.requires_grad_(False)
    return unet


class ZooTextToImage(ModelAdapter):
    """A TextToImage model: captions in, 64 px scenes out, the same images for the same seed."""

    def __init__(self, handle: ModelHandle, weights: Path, text: MiniLM | None = None) -> None:
        super().__init__(handle)
        self.unet = load_unet(weights)
        self.text = text or MiniLM()

    def tunable_roles(self) -> frozenset[str]:
        """None: no trainer fine-tunes the drawer (it makes training data for others)."""
        return frozenset()

    def draw(
        self,
        captions: Sequence[str],
        seed: int = 0,
        steps: int = SAMPLING_STEPS,
        guidance: float = GUIDANCE,
        batch_size: int = 64,
    ) -> list[Image.Image]:
        """One image per caption. Caption ``i`` of a call with ``seed`` starts from its own
        noise (seeded from both), so a row's image does not depend on its batch."""
        self._count()
        out: list[Image.Image] = []
        for start in range(0, len(captions), batch_size):
            chunk = list(captions[start : start + batch_size])
            embedded = torch.from_numpy(self.text.encode(chunk))
            noise = torch.stack([start_noise(seed, start + i) for i in range(len(chunk))])
            out += to_images(ddim_sample(self.unet, embedded, noise, steps, guidance))
        return out


def start_noise(seed: int, index: int) -> torch.Tensor:
    """The Gaussian noise row ``index`` of a ``seed`` starts denoising from."""
    generator = torch.Generator().manual_seed(seed * 1_000_003 + index)
    return torch.randn((3, SIDE, SIDE), generator=generator)
