"""``federated``: fine-tune a dual encoder's projection head across simulated clients that never
pool their data (FedAvg or FedProx, optional client-level DP and secure aggregation).

The world's object scenes are dealt to ``clients`` clients (``partition``: iid, Dirichlet over
the label's classes, or whole groups per client); every round each client trains from the global
head on its own share and sends its update, serialised, to the server, which aggregates them
(``training/federated``). The card records what a team weighs before federating: zero-shot
accuracy on held-out scenes after every round, bytes sent per round and in total, the final
head's accuracy on each client's own rows (heterogeneity) and, with DP, the epsilon spent.
``vlmtrust train federated`` runs the same trainer and adds the gradient-inversion risk of one
client's shared update (``tasks/privacy/federated_leak``).
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
import torch
from pydantic import Field, field_validator, model_validator

from vlmtrust.core.capabilities import block_tower, pooled_features
from vlmtrust.core.errors import ConfigError
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Params
from vlmtrust.data.source import Scenes
from vlmtrust.data.sources import reference_samples
from vlmtrust.metrics.rates import wilson
from vlmtrust.mitigations.trainers.base import Trainer
from vlmtrust.mitigations.trainers.training.federated import (
    DpSetting,
    FederatedResult,
    FederatedSetting,
    ZeroShotData,
    logits,
    partition,
    run_federated,
)

#: seeds of the training and held-out scenes: apart from the organisms' own and the tasks'
TRAIN_SEED = 515_151
HELD_OUT_SEED = 626_262


class FederatedParams(Params):
    clients: int = Field(default=5, ge=1, le=100, description="simulated clients")
    rounds: int = Field(default=10, ge=1, le=1000, description="communication rounds")
    partition: str = Field(
        default="iid",
        description="how the data is dealt: iid, dirichlet:ALPHA (label skew; small ALPHA, few "
        "classes per client) or by-group (whole values of group_by per client)",
    )
    strategy: Literal["fedavg", "fedprox"] = Field(
        default="fedavg", description="fedavg, or fedprox (adds mu/2 ||w - w_global||^2)"
    )
    mu: float = Field(default=0.01, ge=0, description="FedProx's proximal weight")
    local_epochs: int = Field(default=1, ge=1, description="passes over its rows per round")
    lr: float = Field(default=1e-3, gt=0, description="each client's Adam learning rate")
    batch_size: int = Field(default=32, ge=1, description="client minibatch size")
    dp_epsilon: float | None = Field(
        default=None, gt=0, description="client-level DP: the epsilon to spend over all rounds"
    )
    dp_delta: float = Field(default=1e-5, gt=0, lt=1, description="client-level DP: delta")
    dp_clip: float = Field(default=0.1, gt=0, description="L2 bound of each client's update")
    secure_aggregation: bool = Field(
        default=False, description="pairwise masks: the server sees only the sum of updates"
    )
    samples: int = Field(default=512, ge=2, description="training scenes dealt to the clients")
    held_out: int = Field(default=256, ge=1, description="held-out scenes accuracy is read on")
    label: str = Field(
        default="count",
        description="the label whose classes are scored (count: zoo:clip's shape and colour "
        "zero-shot are at 100% already, leaving nothing to fine-tune)",
    )
    group_by: str = Field(default="background", description="the group of by-group partitions")
    data_seed: int = Field(default=TRAIN_SEED, description="seed of the training scenes")
    seed: int = Field(default=0, description="seed of client order, batches and DP noise")

    @field_validator("partition")
    @classmethod
    def _known_partition(cls, value: str) -> str:
        parse_partition(value)
        return value

    @model_validator(mode="after")
    def _fedprox_mu(self) -> FederatedParams:
        if self.strategy == "fedprox" and self.mu <= 0:
            raise ValueError("fedprox needs mu > 0 (mu=0 is fedavg)")
        return self


def parse_partition(text: str) -> tuple[Literal["iid", "dirichlet", "by-group"], float]:
    """``iid``, ``by-group`` or ``dirichlet:ALPHA`` as (scheme, alpha)."""
    if text in ("iid", "by-group"):
        return ("iid" if text == "iid" else "by-group"), 0.0
    name, _, alpha = text.partition(":")
    try:
        value = float(alpha)
    except ValueError:
        value = -1.0
    if name != "dirichlet" or not value > 0:
        raise ValueError(
            f"unknown partition {text!r}: use iid, dirichlet:ALPHA (ALPHA > 0) or by-group"
        )
    return "dirichlet", value


@dataclass(frozen=True)
class FederatedData:
    """The scenes, their zero-shot data and the clients' shares, fully decided by the params."""

    train: ZeroShotData
    held_out: ZeroShotData
    parts: list[np.ndarray]
    classes: list[str]
    train_samples: list[Sample]


def label_of(sample: Sample, key: str) -> str:
    """The scene's value of ``key`` (a group or a label) as text; "" where it has none."""
    found = sample.groups.get(key, sample.labels.get(key))
    return "" if found is None else str(found)


def _features(model: Any, samples: Sequence[Sample], chunk: int = 64) -> torch.Tensor:
    tower = block_tower(model.module("image_tower"), "federated")
    parts = []
    with torch.no_grad():
        for i in range(0, len(samples), chunk):
            pixels = model.to_pixels([s.load_image() for s in samples[i : i + chunk]])
            parts.append(pooled_features(tower, pixels))
    return torch.cat(parts)


def head_logits(model: Any, samples: Sequence[Sample], classes: Sequence[str]) -> torch.Tensor:
    """Zero-shot logits of ``samples`` through the model's projection head, as the rounds'
    accuracy is computed (``privacy.federated`` scores every variant this way)."""
    features = _features(model, samples)
    labels = torch.zeros(len(samples), dtype=torch.long)
    text = model.text_targets(list(classes))
    data = ZeroShotData(features, labels, text, float(model.logit_scale()))
    with torch.no_grad():
        return logits(model.module("projection"), data, features)


def federated_data(model: Any, params: FederatedParams) -> FederatedData:
    """Draw the scenes, embed them once, and deal the training scenes to the clients."""
    train = reference_samples(Scenes(n=params.samples, seed=params.data_seed, family="objects"))
    held = reference_samples(Scenes(n=params.held_out, seed=HELD_OUT_SEED, family="objects"))
    missing = [s.id for s in (*train, *held) if not label_of(s, params.label)]
    if missing:
        raise ConfigError(
            f"federated:label={params.label} is not a label of the world's object scenes "
            f"(missing on {missing[0]})",
            "use label=shape or label=colour",
        )
    classes = sorted({label_of(s, params.label) for s in (*train, *held)})
    text = model.text_targets(classes)
    scale = float(model.logit_scale())

    def data(samples: Sequence[Sample]) -> ZeroShotData:
        labels = torch.tensor([classes.index(label_of(s, params.label)) for s in samples])
        return ZeroShotData(_features(model, samples), labels, text, scale)

    scheme, alpha = parse_partition(params.partition)
    labels = np.array([classes.index(label_of(s, params.label)) for s in train])
    groups = [label_of(s, params.group_by) for s in train]
    if scheme == "by-group" and not all(groups):
        raise ConfigError(
            f"partition by-group needs group_by={params.group_by} on every scene",
            "use group_by=background, colour or count",
        )
    try:
        parts = partition(labels, groups, params.clients, scheme, alpha, params.seed)
    except ValueError as err:
        raise ConfigError(str(err), "see `vlmtrust list federated`") from None
    return FederatedData(data(train), data(held), parts, classes, list(train))


def setting_of(params: FederatedParams) -> FederatedSetting:
    dp = (
        DpSetting(params.dp_epsilon, params.dp_delta, params.dp_clip)
        if params.dp_epsilon is not None
        else None
    )
    return FederatedSetting(
        clients=params.clients,
        rounds=params.rounds,
        local_epochs=params.local_epochs,
        lr=params.lr,
        batch_size=params.batch_size,
        mu=params.mu if params.strategy == "fedprox" else 0.0,
        dp=dp,
        secure=params.secure_aggregation,
        seed=params.seed,
    )


def _rate(correct: int, n: int) -> dict[str, Any]:
    low, high = wilson(correct, n)
    return {"value": round(correct / n, 4) if n else None, "ci": [low, high], "n": n}


def card_stats(
    result: FederatedResult, data: FederatedData, params: FederatedParams
) -> dict[str, Any]:
    """The card's numbers: per round accuracy (Wilson 95%) and bytes, totals, per client."""
    rounds = [
        {
            "round": log.round,
            "accuracy": _rate(log.correct, log.n),
            "upload_bytes": log.upload_bytes,
            "download_bytes": log.download_bytes,
            "key_bytes": log.key_bytes,
        }
        for log in result.rounds
    ]
    clients = [
        {
            "client": c,
            "rows": size,
            "classes": len(np.unique(data.train.labels[torch.from_numpy(part)].numpy())),
            "accuracy": _rate(*result.client_correct[c]),
        }
        for c, (size, part) in enumerate(zip(result.client_sizes, data.parts, strict=True))
    ]
    final = result.rounds[-1]
    stats: dict[str, Any] = {
        "rounds": rounds,
        "clients": clients,
        "accuracy_before": _rate(result.rounds[0].correct, result.rounds[0].n),
        "accuracy_after": _rate(final.correct, final.n),
        "upload_bytes_total": sum(log.upload_bytes for log in result.rounds),
        "download_bytes_total": sum(log.download_bytes for log in result.rounds),
        "key_bytes_total": sum(log.key_bytes for log in result.rounds),
        "classes": data.classes,
        "train_scenes": len(data.train),
        "held_out_scenes": len(data.held_out),
        "private": result.epsilon is not None,
        "secure_aggregation": params.secure_aggregation,
    }
    if result.epsilon is not None:
        stats |= {
            "epsilon": round(result.epsilon, 4),
            "delta": params.dp_delta,
            "noise_multiplier": round(float(result.sigma or 0.0), 4),
            "clip": params.dp_clip,
            "accountant": "rdp (opacus), client level, sampling rate 1",
        }
    return stats


def train_head(model: Any, params: FederatedParams) -> tuple[FederatedResult, FederatedData]:
    """The federated run itself (also what a centralised comparison runs with clients=1)."""
    data = federated_data(model, params)
    head = copy.deepcopy(model.module("projection"))
    for p in head.parameters():
        p.requires_grad_(True)

    def progress(r: int) -> None:
        print(f"federated round {r}/{params.rounds}", file=sys.stderr, flush=True)

    result = run_federated(
        head, data.train, data.parts, data.held_out, setting_of(params), progress
    )
    return result, data


class Federated(Trainer):
    """Federated fine-tuning of the projection head (see the module docstring)."""

    Params: ClassVar[type[Params]] = FederatedParams
    requires: ClassVar[tuple[str, ...]] = ("Embedder",)
    roles: ClassVar[tuple[str, ...]] = ("image_tower", "projection")

    def fit(self, model: Any, out: Path) -> Mapping[str, Any]:
        params = self.params
        assert isinstance(params, FederatedParams)
        result, data = train_head(model, params)
        result.head.eval()
        model.save_delta(out, {"projection": result.head})
        return card_stats(result, data, params)
