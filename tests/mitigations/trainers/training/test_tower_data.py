"""A tower trainer's rows from a user's folder: the model's own pixels, captions, and classes
as each label column's distinct values; a column with one class is refused in one line."""

from __future__ import annotations

import pytest
import torch
from vlmtrust_testing import caption_folder

from vlmtrust.core.errors import DataError
from vlmtrust.data import world
from vlmtrust.mitigations.trainers.training.tower_data import require_classes, user_rows
from vlmtrust.mitigations.trainers.training.train_data import train_samples
from vlmtrust.models.base import resolve_model


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scenes = world.generate(5, 6, family="objects")
    caption_folder(
        tmp_path / "rows",
        scenes,
        columns={"label": lambda i, s: s.labels["shape"], "one": lambda i, s: "same"},
    )
    return "rows", scenes


def test_rows_are_the_models_pixels_with_their_columns(folder, tiny_clip):
    path, scenes = folder
    model = resolve_model(f"hf:{tiny_clip}").load()
    rows = user_rows(model, path, "pgd_at", ["label"])
    expected = model.to_pixels([s.load_image() for s in scenes])
    assert torch.equal(rows.pixels, expected)  # PNG round trip is lossless
    assert rows.values("caption") == [s.labels["caption"] for s in scenes]
    shapes = [s.labels["shape"] for s in scenes]
    assert rows.classes("label") == sorted(set(shapes))
    assert [rows.classes("label")[int(i)] for i in rows.targets("label")] == shapes


def test_a_label_column_with_one_class_is_refused(folder):
    path, _ = folder
    samples = train_samples(path, "pgd_at", ["label", "one"])
    require_classes(samples, ["label"], path, "pgd_at")
    with pytest.raises(DataError, match="single one value \\('same'\\); pgd_at needs at least 2"):
        require_classes(samples, ["label", "one"], path, "pgd_at")
