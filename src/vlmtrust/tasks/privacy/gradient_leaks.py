"""What a shared gradient leaks, and the losses that recover it: the model's layers an attacker
reads (the last linear layer, the first conv + BatchNorm), the mean colour and the pooled
features those gradients give away exactly, and the gradient-matching and total-variation
losses of the inversion in :mod:`vlmtrust.tasks.privacy.gradient_inversion`."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import torch

from vlmtrust.core.capabilities import ConvTower


def _modules(model: Any) -> list[torch.nn.Module]:
    """The image tower (zoo), else every torch module the adapter holds."""
    tower = getattr(model, "tower", None)
    if isinstance(tower, torch.nn.Module):
        return [tower]
    return [m for m in vars(model).values() if isinstance(m, torch.nn.Module)]


def trainable_parameters(model: Any) -> list[torch.nn.Parameter]:
    return [p for m in _modules(model) for p in m.parameters()]


def last_linear(model: Any) -> torch.nn.Linear | None:
    """The last fully connected layer with a bias: its input leaks exactly from its gradient."""
    linears = [
        m
        for root in _modules(model)
        for m in root.modules()
        if isinstance(m, torch.nn.Linear) and m.bias is not None
    ]
    return linears[-1] if linears else None


def _first_conv_bn(model: Any) -> tuple[torch.nn.Conv2d, torch.nn.BatchNorm2d] | None:
    """The first convolution when it has no bias and a BatchNorm comes next (the zoo tower)."""
    for root in _modules(model):
        for block in root.modules():
            children = list(block.children())
            for conv, bn in itertools.pairwise(children):
                if isinstance(conv, torch.nn.Conv2d) and conv.bias is None:
                    return (conv, bn) if isinstance(bn, torch.nn.BatchNorm2d) else None
    return None


def leaked_mean_colour(
    conv_grad: torch.Tensor,
    bn: torch.nn.BatchNorm2d,
    bn_bias_grad: torch.Tensor,
    mean: float,
    std: float,
) -> torch.Tensor | None:
    """An estimate of the input's mean colour ((C,) in [0, 1]) from a conv-then-BatchNorm
    layer's gradients, the input normalised as (x - mean) / std before the conv. Per output
    channel c, dL/dW_c / (gamma_c / sigma_c x dL/dbeta_c) is an average of the input patches
    with weights summing to 1; the channels whose average is a valid colour are combined,
    weighted by |dL/dbeta_c|. None when no channel gives one."""
    assert bn.running_var is not None
    scale = bn.weight.detach() / (bn.running_var + bn.eps).sqrt()
    denominator = scale * bn_bias_grad
    safe = torch.where(denominator.abs() > 1e-12, denominator, torch.ones_like(denominator))
    colours = (conv_grad / safe[:, None, None, None]).mean(dim=(2, 3)) * std + mean
    valid = (denominator.abs() > 1e-12) & ((colours >= 0) & (colours <= 1)).all(dim=1)
    if not bool(valid.any()):
        return None
    weights = bn_bias_grad.abs()[valid]
    return (colours[valid] * weights[:, None]).sum(0) / weights.sum()


def first_layer(model: Any) -> tuple[torch.nn.Conv2d, torch.nn.BatchNorm2d, float, float] | None:
    """A ConvTower's first conv + BatchNorm and its input normalisation (the zoo towers; other
    models: None, their normalisation is not known here)."""
    tower = getattr(model, "tower", None)
    found = _first_conv_bn(model)
    if found is None or not isinstance(tower, ConvTower):
        return None
    return found[0], found[1], tower.mean, tower.std


def logits_fn(model: Any, labels: Sequence[str]) -> Callable[[torch.Tensor], torch.Tensor]:
    """The zoo tower with the label embeddings computed once; else the generic pixel path."""
    tower, scale = getattr(model, "tower", None), getattr(model, "scale", None)
    if tower is not None and scale is not None and hasattr(model, "text"):
        text = torch.from_numpy(model.text.encode(list(labels)))
        return lambda x: scale * tower(x)[0] @ text.T
    return lambda x: model.pixel_logits(x, list(labels))


def total_variation(x: torch.Tensor) -> torch.Tensor:
    return (x[..., 1:, :] - x[..., :-1, :]).abs().mean() + (x[..., 1:] - x[..., :-1]).abs().mean()


def gradient_cosine_loss(a: Sequence[torch.Tensor], b: Sequence[torch.Tensor]) -> torch.Tensor:
    """1 - cosine between two gradients given as lists of per-parameter tensors."""
    dot = torch.stack([(x * y).sum() for x, y in zip(a, b, strict=True)]).sum()
    norm_a = torch.stack([(x * x).sum() for x in a]).sum().sqrt()
    norm_b = torch.stack([(y * y).sum() for y in b]).sum().sqrt()
    return 1 - dot / (norm_a * norm_b + 1e-12)


def linear_input_from_gradient(weight_grad: torch.Tensor, bias_grad: torch.Tensor) -> torch.Tensor:
    """The input h of ``y = W h + b`` for a batch of one, from dL/dW = g h^T and dL/db = g
    (least squares over the rows: exact up to rounding when g is not zero)."""
    return (weight_grad * bias_grad[:, None]).sum(0) / (bias_grad * bias_grad).sum().clamp_min(
        1e-30
    )
