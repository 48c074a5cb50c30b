"""The image tower of an ``hf:`` CLIP or SigLIP as a ``core.capabilities.BlockTower``.

Trainers tune "the last blocks and the projection" of a tower without knowing its model; this
module gives a transformers vision transformer that shape by *wrapping* the checkpoint's own
modules (no copy, shared parameters): what a trainer tunes is exactly what the scan scores, and
a trainer's ``copy.deepcopy`` of the tower copies the vision modules only, never the text tower.

- stem: the processor's per-channel normalisation, the patch (and position) embeddings and, for
  CLIP, ``pre_layrnorm``;
- blocks: one thin wrapper per encoder layer (``nn.Sequential``);
- pool: CLIP's class token; SigLIP keeps the whole sequence (its head pools by attention);
- project: ``post_layernorm`` + ``visual_projection`` (CLIP), ``post_layernorm`` + the attention
  pooling head (SigLIP).

Devices and dtypes: the stem moves pixels to the tower's device and casts them to its weights'
dtype, so a bfloat16 model's tower (or a trainer's copy of it) runs and trains in bfloat16; the
forward pass returns float32 embeddings on the device of the pixels it was given, as the
adapter's ``pixel_logits`` does. The base model's dtype is never changed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn


class EncoderBlock(nn.Module):
    """One transformers encoder layer as a block: hidden states in, hidden states out (a
    vision tower attends over every patch, so there is no attention mask)."""

    def __init__(self, layer: nn.Module) -> None:
        super().__init__()
        self.layer = layer

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        out = self.layer(hidden, attention_mask=None)
        hidden_out: torch.Tensor = out[0] if isinstance(out, tuple) else out
        return hidden_out


class ClassToken(nn.Module):
    """CLIP's pooling: the class token of the last block's output."""

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden[:, 0]


class HFVisionTower(nn.Module):
    """A CLIP / SigLIP vision transformer as stem, blocks, pool and project (see module doc)."""

    def __init__(
        self, model: Any, mean: Sequence[float], std: Sequence[float], class_token: bool
    ) -> None:
        super().__init__()
        vision = model.vision_model
        self.embeddings: nn.Module = vision.embeddings
        pre = getattr(vision, "pre_layrnorm", None)
        self.pre_norm: nn.Module = pre if isinstance(pre, nn.Module) else nn.Identity()
        self.blocks = nn.Sequential(*(EncoderBlock(layer) for layer in vision.encoder.layers))
        self.pooling: nn.Module = ClassToken() if class_token else nn.Identity()
        if class_token:
            self.project = nn.Sequential(vision.post_layernorm, model.visual_projection)
        else:
            self.project = nn.Sequential(vision.post_layernorm, vision.head)
        # not persistent: the checkpoint's preprocessing, not a weight (never in a delta); made
        # on the stem's device, so the shared modules are never moved (device_map placements)
        device = self._weight().device
        for name, values in (("pixel_mean", mean), ("pixel_std", std)):
            tensor = torch.tensor(values, dtype=torch.float32, device=device).view(1, 3, 1, 1)
            self.register_buffer(name, tensor, persistent=False)

    def _weight(self) -> torch.Tensor:
        weight = self.embeddings.get_submodule("patch_embedding").get_parameter("weight")
        return weight

    def stem(self, pixels: torch.Tensor) -> torch.Tensor:
        weight = self._weight()
        mean, std = self.get_buffer("pixel_mean"), self.get_buffer("pixel_std")
        normalised = (pixels.to(weight.device, torch.float32) - mean) / std
        hidden: torch.Tensor = self.pre_norm(self.embeddings(normalised.to(weight.dtype)))
        return hidden

    def pool(self, hidden: torch.Tensor) -> torch.Tensor:
        pooled: torch.Tensor = self.pooling(hidden)
        return pooled

    def forward(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.blocks(self.stem(pixels))
        embedding = nn.functional.normalize(self.project(self.pool(hidden)).float(), dim=-1)
        return embedding.to(pixels.device), hidden
