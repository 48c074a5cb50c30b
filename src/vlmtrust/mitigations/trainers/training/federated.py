"""A small federated engine with Flower's semantics, simulated in one process: clients train
in turn on their own share of the data, each update is serialised to bytes exactly as it would
be sent (safetensors), the server aggregates what it received, and every byte is counted.

Why not Flower itself: every ``flwr`` release conflicts with our pins (protobuf, typer, rich;
its simulation engine pins an older Ray), see docs/privacy.md. The semantics kept are Flower's
``FedAvg`` (updates weighted by client sample count) and ``FedProx`` (a proximal term
``mu/2 ||w - w_global||^2`` in each client's loss), client-level DP-FedAvg (each client clips
its update to ``clip`` and adds Gaussian noise of ``sigma * clip``; sigma from Opacus' RDP
accountant for the target epsilon) and SecAgg's pairwise masks (``secure_aggregation``).

What trains is a dual encoder's projection head over frozen pooled features, with the zero-shot
cross-entropy over the label's classes (the head ``ClipFinetune`` tunes): features are computed
once, so a round takes well under a second on two cores.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from vlmtrust.mitigations.trainers.training import secure_aggregation as secagg

Partition = Literal["iid", "dirichlet", "by-group"]


@dataclass(frozen=True)
class DpSetting:
    epsilon: float
    delta: float
    clip: float


@dataclass(frozen=True)
class FederatedSetting:
    clients: int
    rounds: int
    local_epochs: int = 1
    lr: float = 1e-3
    batch_size: int = 32
    mu: float = 0.0  # FedProx's proximal weight; 0 is FedAvg
    dp: DpSetting | None = None
    secure: bool = False
    seed: int = 0


@dataclass(frozen=True)
class ZeroShotData:
    """Frozen pooled features, class indices and the class text embeddings they score against."""

    features: torch.Tensor
    labels: torch.Tensor
    text: torch.Tensor  # (classes, dim), unit rows
    scale: float

    def subset(self, rows: np.ndarray) -> ZeroShotData:
        index = torch.from_numpy(np.asarray(rows, dtype=np.int64))
        return ZeroShotData(self.features[index], self.labels[index], self.text, self.scale)

    def __len__(self) -> int:
        return len(self.labels)


def logits(head: torch.nn.Module, data: ZeroShotData, features: torch.Tensor) -> torch.Tensor:
    return data.scale * torch.nn.functional.normalize(head(features), dim=-1) @ data.text.T


def loss_of(head: torch.nn.Module, data: ZeroShotData) -> torch.Tensor:
    return torch.nn.functional.cross_entropy(logits(head, data, data.features), data.labels)


def accuracy(head: torch.nn.Module, data: ZeroShotData) -> tuple[int, int]:
    """(correct, n) of zero-shot classification of ``data`` through ``head``."""
    if len(data) == 0:
        return 0, 0
    with torch.no_grad():
        guess = logits(head, data, data.features).argmax(dim=-1)
    return int((guess == data.labels).sum()), len(data)


def partition(
    labels: np.ndarray,
    groups: Sequence[str] | None,
    clients: int,
    scheme: Partition,
    alpha: float,
    seed: int,
) -> list[np.ndarray]:
    """Row indices per client: ``iid`` (a shuffled even split), ``dirichlet`` (per class, shares
    drawn from Dirichlet(alpha): small alpha, few classes per client) or ``by-group`` (each
    client holds whole groups, dealt round-robin in sorted order). Every client gets a row."""
    rng = np.random.default_rng([seed, 24])
    n = len(labels)
    if clients > n:
        raise ValueError(f"{clients} clients but only {n} training rows: lower --clients")
    if scheme == "iid":
        return [np.sort(part) for part in np.array_split(rng.permutation(n), clients)]
    if scheme == "by-group":
        assert groups is not None
        names = sorted(set(groups))
        if len(names) < clients:
            raise ValueError(
                f"partition by-group deals whole groups, and the data has {len(names)} groups "
                f"for {clients} clients: lower --clients or pick another partition"
            )
        owner = {name: i % clients for i, name in enumerate(names)}
        return [np.array([r for r in range(n) if owner[groups[r]] == c]) for c in range(clients)]
    for _ in range(100):
        parts: list[list[int]] = [[] for _ in range(clients)]
        for label in np.unique(labels):
            rows = rng.permutation(np.flatnonzero(labels == label))
            shares = rng.dirichlet(np.full(clients, alpha))
            cuts = (np.cumsum(shares)[:-1] * len(rows)).astype(int)
            for c, piece in enumerate(np.split(rows, cuts)):
                parts[c].extend(int(r) for r in piece)
        if all(parts):
            return [np.sort(np.array(p)) for p in parts]
    raise ValueError(f"Dirichlet({alpha}) left a client empty in 100 draws: raise alpha")


def noise_multiplier(dp: DpSetting, rounds: int) -> float:
    """The Gaussian noise multiplier spending ``dp.epsilon`` at ``dp.delta`` over ``rounds``
    releases of each client's update (every client every round: sampling rate 1), by Opacus'
    RDP accountant."""
    from opacus.accountants.utils import get_noise_multiplier

    return float(
        get_noise_multiplier(
            target_epsilon=dp.epsilon,
            target_delta=dp.delta,
            sample_rate=1.0,
            steps=rounds,
            accountant="rdp",
        )
    )


def spent_epsilon(sigma: float, rounds: int, delta: float) -> float:
    from opacus.accountants import RDPAccountant

    accountant = RDPAccountant()
    accountant.history = [(sigma, 1.0, rounds)]
    return float(accountant.get_epsilon(delta))


def privatise(
    update: Mapping[str, torch.Tensor], dp: DpSetting, sigma: float, generator: torch.Generator
) -> dict[str, torch.Tensor]:
    """Client-level DP: the whole update clipped to L2 norm ``dp.clip``, plus N(0, (sigma
    clip)^2) on every coordinate."""
    norm = float(sum(float((t.double() ** 2).sum()) for t in update.values())) ** 0.5
    factor = min(1.0, dp.clip / max(norm, 1e-12))
    return {
        name: t * factor + sigma * dp.clip * torch.randn(t.shape, generator=generator)
        for name, t in update.items()
    }


def local_update(
    head: torch.nn.Module, data: ZeroShotData, setting: FederatedSetting, generator: torch.Generator
) -> dict[str, torch.Tensor]:
    """A client's round: ``local_epochs`` of minibatch Adam from the global head (plus the
    FedProx term when ``mu`` > 0); returns its change to every parameter."""
    local = copy.deepcopy(head)
    local.train()
    start = {name: p.detach().clone() for name, p in local.named_parameters()}
    optimiser = torch.optim.Adam(local.parameters(), lr=setting.lr)
    for _ in range(setting.local_epochs):
        order = torch.randperm(len(data), generator=generator)
        for i in range(0, len(data), setting.batch_size):
            batch = data.subset(order[i : i + setting.batch_size].numpy())
            loss = loss_of(local, batch)
            if setting.mu > 0:
                drift = sum(((p - start[n]) ** 2).sum() for n, p in local.named_parameters())
                loss = loss + setting.mu / 2 * drift
            optimiser.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
    return {name: (p.detach() - start[name]).contiguous() for name, p in local.named_parameters()}


@dataclass
class RoundLog:
    """What one round measured: global accuracy after it, bytes up and down."""

    round: int
    correct: int
    n: int
    upload_bytes: int
    download_bytes: int
    key_bytes: int = 0


@dataclass
class FederatedResult:
    head: torch.nn.Module
    rounds: list[RoundLog]
    client_sizes: list[int]
    client_correct: list[tuple[int, int]]  # the final head on each client's own rows
    sigma: float | None
    epsilon: float | None
    #: the last round's first client: (its plain update, what the server received of it)
    server_view: tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]] | None = None
    extras: dict[str, float] = field(default_factory=dict)


def run_federated(
    head: torch.nn.Module,
    train: ZeroShotData,
    parts: Sequence[np.ndarray],
    held_out: ZeroShotData,
    setting: FederatedSetting,
    progress: Callable[[int], None] | None = None,
) -> FederatedResult:
    """Train ``head`` (a copy) over ``setting.rounds`` rounds of every client in turn."""
    torch.manual_seed(setting.seed)
    global_head = copy.deepcopy(head)
    clients = [train.subset(rows) for rows in parts]
    sizes = [len(c) for c in clients]
    sigma = noise_multiplier(setting.dp, setting.rounds) if setting.dp is not None else None
    keys = secagg.PairwiseKeys(len(clients)) if setting.secure else None
    correct, n = accuracy(global_head, held_out)
    logs = [RoundLog(0, correct, n, 0, 0)]
    view = None
    for r in range(1, setting.rounds + 1):
        broadcast = save_tensors({k: v.contiguous() for k, v in global_head.state_dict().items()})
        received: list[bytes] = []
        for c, data in enumerate(clients):
            generator = torch.Generator().manual_seed(setting.seed * 1_000_003 + r * 1_009 + c)
            update = local_update(global_head, data, setting, generator)
            if setting.dp is not None and sigma is not None:
                update = privatise(update, setting.dp, sigma, generator)
            weighted = {name: t * sizes[c] for name, t in update.items()}
            if keys is not None:
                encoded = secagg.encode(weighted, len(clients))
                wire = secagg.mask(keys, c, r, encoded)
                received.append(
                    save_tensors({k: torch.from_numpy(v.view(np.int64)) for k, v in wire.items()})
                )
            else:
                received.append(save_tensors(weighted))
            if c == 0 and r == setting.rounds:
                view = (update, _server_sees(received[-1], keys is not None, sizes[c]))
        total = _aggregate(received, keys is not None)
        with torch.no_grad():
            for name, p in global_head.named_parameters():
                p.add_(total[name] / sum(sizes))
        correct, n = accuracy(global_head, held_out)
        key_bytes = keys.wire_bytes() if keys is not None and r == 1 else 0
        logs.append(
            RoundLog(
                r,
                correct,
                n,
                upload_bytes=sum(len(b) for b in received),
                download_bytes=len(broadcast) * len(clients),
                key_bytes=key_bytes,
            )
        )
        if progress is not None:
            progress(r)
    return FederatedResult(
        head=global_head,
        rounds=logs,
        client_sizes=sizes,
        client_correct=[accuracy(global_head, data) for data in clients],
        sigma=sigma,
        epsilon=spent_epsilon(sigma, setting.rounds, setting.dp.delta)
        if sigma is not None and setting.dp is not None
        else None,
        server_view=view,
    )


def _server_sees(wire: bytes, masked: bool, weight: int) -> dict[str, torch.Tensor]:
    """One client's upload as the server reads it, per unit of sample weight."""
    tensors = load_tensors(wire)
    if masked:
        decoded = secagg.decode({k: v.numpy().view(np.uint64) for k, v in tensors.items()})
        return {k: v / weight for k, v in decoded.items()}
    return {k: v / weight for k, v in tensors.items()}


def _aggregate(received: Sequence[bytes], masked: bool) -> dict[str, torch.Tensor]:
    """The server's sum of the sample-weighted updates, read from the bytes it received."""
    uploads = [load_tensors(b) for b in received]
    if masked:
        as_ints = [{k: v.numpy().view(np.uint64) for k, v in u.items()} for u in uploads]
        return secagg.decode(secagg.sum_masked(as_ints))
    return {name: torch.stack([u[name] for u in uploads]).sum(0) for name in uploads[0]}
