"""The gradient-inversion risk of one federated client's shared update, with and without DP.

The worst case a client can be in: its update is one gradient step on one image (FedSGD with a
batch of one), which :mod:`gradient_inversion` shows is invertible. Here that update is the
projection head's gradient of the federated loss (zero-shot cross-entropy over the label's
classes), as sent: plain, or clipped to ``dp_clip`` with the run's Gaussian noise (the same
``privatise`` the clients apply). The attacker, the server, holds the model and what was sent,
and runs the same inversion (gradient matching plus the pooled feature that the projection's
weight and bias gradients give away). Reported per image: PSNR of the reconstruction and its
gain over the prior (the mean of other world scenes: what the server knows with no update), and
the relative error of the pooled feature read off the update (exact without DP).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from vlmtrust.core.capabilities import block_tower, pooled_features
from vlmtrust.data.source import Scenes
from vlmtrust.data.sources import reference_samples
from vlmtrust.metrics.calibration import mean_estimate
from vlmtrust.metrics.image_quality import psnr
from vlmtrust.metrics.rates import Estimate
from vlmtrust.mitigations.trainers.federated import FederatedData, FederatedParams
from vlmtrust.mitigations.trainers.training.federated import (
    DpSetting,
    noise_multiplier,
    privatise,
)
from vlmtrust.tasks.privacy.gradient_inversion import (
    PRIOR_SEED,
    GradientInversionParams,
    Inversion,
    invert,
)


@dataclass(frozen=True)
class LeakResult:
    psnr: Estimate
    gain_over_prior: Estimate
    #: relative error of the pooled feature read off the projection's weight and bias update
    #: (0: the image's feature leaks exactly; about 1 or more: nothing of it)
    feature_error: Estimate
    private: bool
    images: int


def client_update_leak(
    model: Any,
    params: FederatedParams,
    data: FederatedData,
    images: int = 4,
    steps: int = 200,
    private: bool = False,
) -> LeakResult:
    """Invert client 0's single-image update for its first ``images`` rows; ``private``: the
    update clipped and noised as the run's DP setting sends it."""
    tower = block_tower(model.module("image_tower"), "federated gradient inversion")
    text, scale = data.train.text, data.train.scale
    prior_scenes = reference_samples(Scenes(n=64, seed=PRIOR_SEED, family="objects"))
    prior = model.to_pixels([s.load_image() for s in prior_scenes]).mean(0)
    sigma = 0.0
    dp = None
    if private:
        assert params.dp_epsilon is not None
        dp = DpSetting(params.dp_epsilon, params.dp_delta, params.dp_clip)
        sigma = noise_multiplier(dp, params.rounds)
    attack = GradientInversionParams(steps=steps, seed=params.seed)
    psnrs, gains, feature_errors = [], [], []
    for k, row in enumerate(data.parts[0][:images]):
        sample = data.train_samples[int(row)]
        target = model.to_pixels([sample.load_image()])
        label = int(data.train.labels[int(row)])
        head = copy.deepcopy(model.module("projection"))
        for p in head.parameters():
            p.requires_grad_(True)
        weights = list(head.parameters())

        def logits(x: torch.Tensor, head: torch.nn.Module = head) -> torch.Tensor:
            embedding = torch.nn.functional.normalize(head(pooled_features(tower, x)), dim=-1)
            return scale * embedding @ text.T

        shared = None
        if dp is not None:
            with torch.enable_grad():
                loss = torch.nn.functional.cross_entropy(logits(target), torch.tensor([label]))
                grads = torch.autograd.grad(loss, weights)
            generator = torch.Generator().manual_seed(params.seed * 7_919 + k)
            noised = privatise({str(i): g for i, g in enumerate(grads)}, dp, sigma, generator)
            shared = [noised[str(i)] for i in range(len(grads))]
        linear = head if isinstance(head, torch.nn.Linear) and head.bias is not None else None
        with torch.enable_grad():
            result = invert(logits, weights, target, label, attack, linear, None, shared)
        assert isinstance(result, Inversion)  # only a task deadline (none here) leaves one out
        original, rebuilt = target[0], result.image[0]
        value = psnr(rebuilt, original)
        psnrs.append(value)
        gains.append(value - psnr(prior, original))
        feature_errors.append(np.nan if result.feature_error is None else result.feature_error)
    return LeakResult(
        mean_estimate(psnrs, unit="images"),
        mean_estimate(gains, unit="images"),
        mean_estimate(feature_errors, unit="images"),
        private,
        images,
    )
