"""The federated engine on a small real head: partitions, FedAvg weighting, client-level DP
accounting and clipping, and secure aggregation's masks (the server's view of one client is
not its update, the aggregate is the plain one)."""

import numpy as np
import pytest
import torch

from vlmtrust.mitigations.trainers.training import secure_aggregation as secagg
from vlmtrust.mitigations.trainers.training.federated import (
    DpSetting,
    FederatedSetting,
    ZeroShotData,
    noise_multiplier,
    partition,
    privatise,
    run_federated,
    spent_epsilon,
)


def _data(n: int, seed: int, classes: int = 4) -> ZeroShotData:
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, classes, (n,), generator=g)
    text = torch.nn.functional.normalize(torch.randn(classes, 6, generator=g), dim=-1)
    features = text[labels] @ torch.randn(6, 8, generator=g) + 0.3 * torch.randn(n, 8, generator=g)
    return ZeroShotData(features, labels, text, 10.0)


def test_partitions_cover_every_row_once_and_skew_as_asked():
    labels = np.repeat(np.arange(8), 50)
    groups = [f"g{i % 4}" for i in range(len(labels))]
    for scheme, alpha in (("iid", 0.0), ("dirichlet", 0.3), ("by-group", 0.0)):
        parts = partition(labels, groups, 4, scheme, alpha, seed=1)
        assert sorted(np.concatenate(parts).tolist()) == list(range(len(labels)))
    iid = partition(labels, groups, 4, "iid", 0.0, seed=1)
    skewed = partition(labels, groups, 4, "dirichlet", 0.3, seed=1)
    assert {len(p) for p in iid} == {100}
    assert (
        np.mean([len(np.unique(labels[p])) for p in skewed])
        < 8
        == min(len(np.unique(labels[p])) for p in iid)
    )
    by_group = partition(labels, groups, 4, "by-group", 0.0, seed=1)
    assert all(len({groups[r] for r in p}) == 1 for p in by_group)
    with pytest.raises(ValueError, match="4 groups for 5 clients"):
        partition(labels, groups, 5, "by-group", 0.0, seed=1)


def test_secure_aggregation_hides_each_update_and_keeps_the_sum():
    keys = secagg.PairwiseKeys(3)
    assert keys.secret(0, 2) == keys.secret(2, 0) != keys.secret(0, 1)
    g = torch.Generator().manual_seed(3)
    updates = [
        {"w": torch.randn(5, 4, generator=g), "b": torch.randn(5, generator=g)} for _ in range(3)
    ]
    masked = [secagg.mask(keys, c, 1, secagg.encode(u, 3)) for c, u in enumerate(updates)]
    seen = secagg.decode(masked[0])
    assert (seen["w"] - updates[0]["w"]).abs().max() > 1.0  # the server's view is not the update
    total = secagg.decode(secagg.sum_masked(masked))
    for name in ("w", "b"):
        plain = sum(u[name] for u in updates)
        assert torch.allclose(total[name], plain, atol=3 * 2.0**-secagg.FRACTION_BITS)
    assert keys.wire_bytes() == 32 * (3 + 6)


def test_federated_rounds_secure_equals_plain_and_count_bytes():
    everything = _data(180, 0)
    train, held = everything.subset(np.arange(120)), everything.subset(np.arange(120, 180))
    labels = train.labels.numpy()
    parts = partition(labels, None, 3, "dirichlet", 0.5, seed=0)
    head = torch.nn.Linear(8, 6)
    plain = run_federated(head, train, parts, held, FederatedSetting(clients=3, rounds=2, lr=0.05))
    secure = run_federated(
        head, train, parts, held, FederatedSetting(clients=3, rounds=2, lr=0.05, secure=True)
    )
    for a, b in zip(plain.head.parameters(), secure.head.parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-5)
    assert plain.rounds[-1].correct > plain.rounds[0].correct  # it learns
    params = sum(p.numel() for p in head.parameters())
    # safetensors: 4 bytes a float32 (8 an int64 after masking) plus a small JSON header
    assert 3 * 4 * params < plain.rounds[1].upload_bytes < 3 * 4 * params + 3 * 200
    assert 3 * 8 * params < secure.rounds[1].upload_bytes < 3 * 8 * params + 3 * 200
    assert secure.rounds[1].key_bytes == 32 * 9 and secure.rounds[2].key_bytes == 0
    update, seen = secure.server_view
    assert not torch.allclose(update["weight"], seen["weight"], atol=1e-2)
    plain_update, plain_seen = plain.server_view
    assert torch.allclose(plain_update["weight"], plain_seen["weight"], atol=1e-6)
    assert sum(plain.client_sizes) == 120


def test_client_dp_spends_the_target_epsilon_and_clips():
    dp = DpSetting(epsilon=4.0, delta=1e-5, clip=0.5)
    sigma = noise_multiplier(dp, rounds=10)
    assert sigma > 0 and spent_epsilon(sigma, 10, 1e-5) == pytest.approx(4.0, rel=0.02)
    assert noise_multiplier(DpSetting(1.0, 1e-5, 0.5), 10) > sigma  # less budget, more noise
    big = {"w": torch.full((100,), 10.0)}
    clipped = privatise(big, dp, 0.0, torch.Generator().manual_seed(0))
    assert float(clipped["w"].norm()) == pytest.approx(0.5, rel=1e-5)
