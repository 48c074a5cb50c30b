"""LoRA adapters (``peft``) on the attention projections of a copy of an image tower, for
fine-tunes that must reach inside a vision transformer while keeping the trained set small
(DP-SGD clips and noises per sample only what trains). Merged back into plain weights when
done, so the saved delta is a weight delta like every other tower fine-tune's and ``vlmtrust
export`` writes an ordinary checkpoint.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import nn

from vlmtrust.core.errors import CapabilityError


class EmbeddingOf(nn.Module):
    """A tower as a module from pixels to its unit embedding only (what a loss reads)."""

    def __init__(self, tower: nn.Module) -> None:
        super().__init__()
        self.tower = tower

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        embedding: torch.Tensor = self.tower(pixels)[0]
        return embedding


def with_lora(tower: nn.Module, rank: int, targets: Sequence[str], model_name: str) -> nn.Module:
    """A copy of ``tower`` with rank-``rank`` LoRA adapters on the linear layers named
    ``targets``; only the adapters train (their second matrix starts at zero: the copy
    computes what the tower computes until it trains)."""
    import peft

    tuned = copy.deepcopy(tower)
    for p in tuned.parameters():
        p.requires_grad_(False)
    config = peft.LoraConfig(
        r=rank, lora_alpha=2 * rank, lora_dropout=0.0, target_modules=list(targets)
    )
    try:
        peft.inject_adapter_in_model(config, tuned)
    except ValueError as err:  # peft: "Target modules {...} not found in the base model"
        raise CapabilityError(
            f"cannot place LoRA adapters on {model_name}'s image tower: {err}",
            "set lora_targets= to linear layer names of its attention (e.g. q_proj,v_proj)",
        ) from err
    for name, p in tuned.named_parameters():
        p.requires_grad_("lora_" in name)
    return tuned


def merge_lora(tuned: nn.Module) -> nn.Module:
    """``tuned`` with every adapter merged into its base layer and the base layer put back
    in its place: the plain module structure of the tower, with new weights."""
    from peft.tuners.lora import LoraLayer

    for name, module in list(tuned.named_modules()):
        if isinstance(module, LoraLayer):
            module.merge()
            parent_name, _, child = name.rpartition(".")
            parent = tuned.get_submodule(parent_name) if parent_name else tuned
            setattr(parent, child, module.get_base_layer())
    for p in tuned.parameters():
        p.requires_grad_(False)
    return tuned
