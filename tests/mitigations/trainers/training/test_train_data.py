"""train_data: the user's folder checked before the run; the world only for zoo models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from vlmtrust.core.errors import ConfigError, DataError
from vlmtrust.mitigations.trainers.training.train_data import (
    require_train_data,
    samples_fingerprint,
    train_samples,
)
from vlmtrust.models.base import ModelHandle


def _handle(kind: str) -> ModelHandle:
    return ModelHandle(
        spec=f"{kind}:m", name=f"{kind}:m", kind=kind, fingerprint="f", capabilities=frozenset()
    )


def _folder(path: Path, rows: list[dict[str, str]]) -> Path:
    path.mkdir()
    for i, row in enumerate(rows):
        Image.new("RGB", (8, 8), (40 * i % 255, 0, 0)).save(path / f"{i}.png")
        row["file"] = f"{i}.png"
    (path / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_zoo_models_may_train_on_the_world_others_may_not() -> None:
    require_train_data(_handle("zoo"), None, "mixgen", ["caption"])
    with pytest.raises(ConfigError, match="mixgen:train_data=PATH"):
        require_train_data(_handle("hf"), None, "mixgen", ["caption"])


def test_rows_missing_a_needed_column_are_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _folder(tmp_path / "d", [{"caption": "a cat"}, {"caption": ""}, {"caption": "a dog"}])
    kept = train_samples("d", "mixgen", ["caption"])
    assert [s.labels["caption"] for s in kept] == ["a cat", "a dog"]
    with pytest.raises(DataError, match="0 rows with an image and a label column"):
        train_samples("d", "pgd_at", ["label"])
    with pytest.raises(DataError, match="does not exist"):
        require_train_data(_handle("hf"), "nowhere", "mixgen", ["caption"])


def test_the_fingerprint_follows_content_and_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _folder(tmp_path / "a", [{"caption": "a cat"}, {"caption": "a dog"}])
    _folder(tmp_path / "b", [{"caption": "a cat"}, {"caption": "a fox"}])
    a, b = train_samples("a", "t", ["caption"]), train_samples("b", "t", ["caption"])
    assert samples_fingerprint(a, ["caption"]) == samples_fingerprint(list(a), ["caption"])
    assert samples_fingerprint(a, ["caption"]) != samples_fingerprint(b, ["caption"])
