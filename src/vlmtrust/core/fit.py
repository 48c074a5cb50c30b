"""The one training loop every zoo organism and the decoder fine-tunes use: AdamW with a
one-cycle schedule, seeded and deterministic. Only torch: any layer above core may train with it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import torch

Log = Callable[[str], None]


def fit(
    params: Iterable[torch.nn.Parameter],
    steps: int,
    lr: float,
    loss_at: Callable[[int], torch.Tensor],
    log: Log,
    status: Callable[[], str] = lambda: "",
) -> float:
    """Run ``steps`` optimiser steps on ``loss_at(step)``; return the last loss.

    ``loss_at`` draws its own batch (from a seeded generator), and deterministic kernels are
    forced while training: with 2 threads some transformer backward kernels otherwise sum in a
    varying order, and ``make zoo`` would not reproduce its weights bit for bit.
    """
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    was_warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    # warn_only: on a GPU some kernels (cuBLAS without CUBLAS_WORKSPACE_CONFIG) have no
    # deterministic variant and would raise; the CPU loops run the same kernels either way
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        return _steps(params, steps, lr, loss_at, log, status)
    finally:
        torch.use_deterministic_algorithms(was_deterministic, warn_only=was_warn_only)


def fit_rows(
    module: torch.nn.Module,
    loss_of: Callable[[torch.Tensor], torch.Tensor],
    rows: int,
    steps: int,
    lr: float,
    batch_size: int,
    seed: int,
    log: Log,
) -> float:
    """``fit`` on ``module``'s trainable parameters, each step's batch ``batch_size`` rows of
    ``range(rows)`` drawn from a generator seeded with ``seed`` and scored by ``loss_of``;
    ``module`` trains in train mode and is left in eval mode."""
    generator = torch.Generator().manual_seed(seed)
    module.train()

    def loss_at(step: int) -> torch.Tensor:
        return loss_of(torch.randint(rows, (batch_size,), generator=generator))

    trained = [p for p in module.parameters() if p.requires_grad]  # LoRA: the adapters only
    loss_value = fit(trained, steps, lr, loss_at, log)
    module.eval()
    return loss_value


def _steps(
    params: Iterable[torch.nn.Parameter],
    steps: int,
    lr: float,
    loss_at: Callable[[int], torch.Tensor],
    log: Log,
    status: Callable[[], str],
) -> float:
    optimiser = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=lr, total_steps=steps, pct_start=0.1
    )
    started = time.perf_counter()
    value = float("nan")
    for step in range(steps):
        loss = loss_at(step)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()  # type: ignore[no-untyped-call]
        optimiser.step()
        schedule.step()
        value = float(loss.detach())
        if (step + 1) % 100 == 0 or step + 1 == steps:
            elapsed = time.perf_counter() - started
            log(f"step {step + 1}/{steps} loss {value:.3f}{status()} ({elapsed:.0f}s)")
    return value
