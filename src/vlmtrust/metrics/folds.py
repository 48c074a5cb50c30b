"""Cross-validation folds drawn from sample ids, not list positions.

A task's scores can reach its aggregate in any order (the store returns them by result key, a
mitigated variant's keys sort differently from the baseline's, a user's folder lists files in
another order), so folds dealt by position make the same samples give another number. Here a
row's fold follows from its id alone: within a class, rows are ranked by a seeded hash of their
id and dealt round-robin, which keeps the folds stratified and the same in any order.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence

import numpy as np


def id_digest(seed: int, sample_id: str) -> str:
    """A seeded hash of a sample id: the key rows are ranked by before they are dealt."""
    return hashlib.sha256(f"{seed}:{sample_id}".encode()).hexdigest()


def id_folds(ids: Sequence[str], labels: Sequence[str], folds: int, seed: int) -> np.ndarray:
    """Stratified fold of each row, from its id alone: within a class, rows are ranked by
    :func:`id_digest` (ties by id) and dealt round-robin, so a row's fold does not depend on
    where it sits in the list. Where every class holds the same ids (a sample's image and its
    caption), an id's rows get one rank in each class and so share a fold."""
    if len(ids) != len(labels):
        raise ValueError(f"{len(ids)} ids but {len(labels)} labels")
    by_class: dict[str, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        by_class[label].append(i)
    fold = np.zeros(len(labels), dtype=int)
    for rows in by_class.values():
        ranked = sorted(rows, key=lambda i: (id_digest(seed, ids[i]), ids[i]))
        for k, i in enumerate(ranked):
            fold[i] = k % folds
    return fold
