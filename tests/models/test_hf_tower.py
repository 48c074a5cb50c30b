"""The BlockTower over an hf: CLIP / SigLIP vision transformer: the scan's own image embeddings,
computed through the checkpoint's modules (shared, not copied), split as trainers split it."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch
from PIL import Image
from tiny_encoders import HUB_BUILDERS
from tiny_models import build_tiny_siglip

from vlmtrust.core.capabilities import BlockTower, ConvTower, pooled_features
from vlmtrust.models.base import resolve_model
from vlmtrust.models.hf_dual_tuning import HFTunableEncoder


@pytest.fixture(scope="module")
def encoders(
    tiny_clip: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, HFTunableEncoder]:
    root = tmp_path_factory.mktemp("towers")
    paths = {
        "clip": tiny_clip,
        "siglip": build_tiny_siglip(root / "siglip"),
        "siglip2": HUB_BUILDERS["siglip2"](root / "siglip2", 0),
        "openclip": HUB_BUILDERS["openclip"](root / "openclip", 0),
    }
    loaded = {name: resolve_model(f"hf:{path}").load() for name, path in paths.items()}
    assert all(isinstance(model, HFTunableEncoder) for model in loaded.values())
    return loaded  # type: ignore[return-value]


def _images() -> list[Image.Image]:
    noise = torch.Generator().manual_seed(0)
    pixels = (torch.rand(3, 40, 50, 3, generator=noise) * 255).to(torch.uint8).numpy()
    return [Image.fromarray(p) for p in pixels]


@pytest.mark.parametrize("family", ["clip", "siglip", "siglip2", "openclip"])
def test_the_tower_gives_the_adapters_own_image_embeddings(
    family: str, encoders: dict[str, HFTunableEncoder]
) -> None:
    model = encoders[family]
    tower = model.module("image_tower")
    assert isinstance(tower, BlockTower) and not isinstance(tower, ConvTower)
    images = _images()
    pixels = model.to_pixels(images)
    embedding, hidden = tower(pixels)
    expected = torch.from_numpy(model.encode_image(images))
    torch.testing.assert_close(embedding, expected, atol=1e-5, rtol=0)
    assert hidden.shape[0] == len(images) and hidden.dim() == 3  # (images, tokens, width)
    # the split trainers use: stem -> blocks -> pool -> project is the same embedding
    split = torch.nn.functional.normalize(tower.project(pooled_features(tower, pixels)), dim=-1)
    torch.testing.assert_close(split, expected, atol=1e-5, rtol=0)
    assert tower.project is model.module("projection")


def test_the_tower_shares_the_checkpoints_parameters_and_a_copy_holds_the_vision_side_only(
    encoders: dict[str, HFTunableEncoder],
) -> None:
    model = encoders["clip"]
    tower = model.module("image_tower")
    shared = {id(p) for p in model._model.vision_model.parameters()}
    shared |= {id(model._model.visual_projection.weight)}
    assert {id(p) for p in tower.parameters()} == shared
    assert len(tower.blocks) == model._model.config.vision_config.num_hidden_layers
    copied = copy.deepcopy(tower)
    text = sum(p.numel() for p in model._model.text_model.parameters())
    assert sum(p.numel() for p in copied.parameters()) == sum(p.numel() for p in tower.parameters())
    assert text > 0 and not any(id(p) in shared for p in copied.parameters())
