"""Folds from sample ids: stratified, balanced, and the same in any order."""

import numpy as np
import pytest

from vlmtrust.metrics.folds import id_digest, id_folds


def test_a_rows_fold_follows_its_id_not_its_position():
    ids = [f"s{i}" for i in range(50)]
    labels = ["a" if i % 5 else "b" for i in range(50)]
    folds = dict(zip(ids, id_folds(ids, labels, 5, seed=0), strict=True))
    order = np.random.default_rng(0).permutation(50)
    shuffled = id_folds([ids[i] for i in order], [labels[i] for i in order], 5, seed=0)
    assert {ids[i]: int(f) for i, f in zip(order, shuffled, strict=True)} == folds
    # stratified: every fold holds 8 a's and 2 b's
    for k in range(5):
        members = [labels[i] for i, f in enumerate(folds.values()) if f == k]
        assert members.count("a") == 8 and members.count("b") == 2
    assert id_folds(ids, labels, 5, seed=1).tolist() != list(folds.values())


def test_an_ids_rows_share_a_fold_when_each_class_holds_every_id():
    ids = [f"p{i}" for i in range(12)]
    fold = id_folds([*ids, *ids], ["image"] * 12 + ["text"] * 12, 3, seed=0)
    assert fold[:12].tolist() == fold[12:].tolist()
    assert id_digest(0, "p1") != id_digest(1, "p1")
    with pytest.raises(ValueError, match="2 ids but 1 labels"):
        id_folds(["a", "b"], ["x"], 2, seed=0)
