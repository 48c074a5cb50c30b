"""The neighbourhood-preservation (calibration) loss keeps neighbours together where another
objective would scatter them; kNN overlap measures exactly that."""

import torch
from torch import nn

from vlmtrust.core.threads import torch_threads
from vlmtrust.mitigations.trainers.training.neighbours import knn_overlap, neighbour_loss


def _points(n=160, dim=16, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return nn.functional.normalize(torch.randn(n, dim, generator=generator), dim=-1)


def test_knn_overlap_is_one_for_the_same_space_and_low_for_a_shuffled_one():
    points = _points()
    assert knn_overlap(points, points, 5) == 1.0
    shuffled = points[torch.randperm(len(points), generator=torch.Generator().manual_seed(1))]
    assert knn_overlap(points, shuffled, 5) < 0.2


def test_the_loss_is_smallest_when_the_transform_keeps_the_space():
    points = _points()
    kept = neighbour_loss(points, points, 5, 0.05)
    shuffled = points[torch.randperm(len(points), generator=torch.Generator().manual_seed(1))]
    assert kept < neighbour_loss(points, shuffled, 5, 0.05)


def _fit_random_labels(weight):
    """A linear map trained to make arbitrary labels linearly separable (an objective that
    scatters neighbourhoods), with the neighbour term at ``weight``."""
    points = _points()
    labels = torch.randint(4, (len(points),), generator=torch.Generator().manual_seed(2))
    torch.manual_seed(3)
    transform, head = nn.Linear(16, 16), nn.Linear(16, 4)
    with torch.no_grad():
        transform.weight.copy_(torch.eye(16))
        transform.bias.zero_()
    optimiser = torch.optim.Adam([*transform.parameters(), *head.parameters()], 0.02)
    for _ in range(60):
        moved = nn.functional.normalize(transform(points), dim=-1)
        loss = nn.functional.cross_entropy(head(moved) * 10, labels)
        loss = loss + weight * neighbour_loss(points, moved, 5, 0.05)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    with torch.no_grad():
        return knn_overlap(points, nn.functional.normalize(transform(points), dim=-1), 5)


def test_the_neighbour_term_keeps_more_neighbours_than_the_objective_alone():
    with torch_threads(1):
        without, with_term = _fit_random_labels(0.0), _fit_random_labels(5.0)
    assert with_term > without + 0.1, (without, with_term)
