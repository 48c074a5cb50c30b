"""Shared fixtures: tiny real models built from configs, once per test session."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

from history_runs import history_runs  # noqa: F401  (three runs over time, for history)
from report_scan import zoo_scan  # noqa: F401  (a real zoo scan the report tests share)


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory) -> Path:
    from tiny_models import build_tiny_clip

    return build_tiny_clip(tmp_path_factory.mktemp("tiny-clip") / "clip", seed=0)


@pytest.fixture
def world_folder(tmp_path) -> Path:
    """An image folder with labels.csv, as a user would bring: 12 world scenes as PNG files."""
    from vlmtrust.data import world

    folder = tmp_path / "images"
    folder.mkdir()
    lines = ["file,shape"]
    for sample in world.generate(seed=3, n=12):
        name = f"{sample.id}.png"
        (folder / name).write_bytes(sample.image or b"")
        lines.append(f"{name},{sample.labels['shape']}")
    (folder / "labels.csv").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture(scope="session", autouse=True)
def artifact_cache(tmp_path_factory) -> Path:
    """Trainer artifacts of the whole session go to one temp dir, never the user's ~/.cache;
    trainers that several tests share are trained once per session."""
    path = tmp_path_factory.mktemp("vlmtrust-cache")
    os.environ["VLMTRUST_CACHE"] = str(path)
    return path
