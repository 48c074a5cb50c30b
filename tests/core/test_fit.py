"""The shared training loop: seeded, deterministic while it runs, and leaves eval mode."""

import torch

from vlmtrust.core.fit import fit_rows


def _train(seed: int) -> tuple[float, torch.nn.Module]:
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Dropout(0.1))
    x = torch.randn(32, 2)
    y = x @ torch.tensor([[1.0], [-2.0]])

    def loss_of(rows: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.mse_loss(module(x[rows]), y[rows])

    return fit_rows(module, loss_of, 32, 200, 0.05, 8, seed, log=lambda _: None), module


def test_same_seed_same_loss_and_the_module_learns_and_is_left_in_eval_mode():
    before = torch.are_deterministic_algorithms_enabled()
    loss, module = _train(3)
    again, _ = _train(3)
    assert loss == again and loss < 0.5
    assert not module.training
    assert torch.are_deterministic_algorithms_enabled() == before
