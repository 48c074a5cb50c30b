"""The set-up both private-computation benches share: zoo:clip's zero-shot head on the same 16
world images, so the HE and MPC figures compare with the same plaintext baseline."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch

from vlmtrust.data import world
from vlmtrust.mitigations.private.linear_head import zero_shot_head
from vlmtrust.models.base import resolve_model

IMAGES = 16
FLOAT32_BYTES = 4


class HeadSetup(NamedTuple):
    """The model, its images and prompts, the head and the plaintext embeddings and logits."""

    clip: Any
    images: list[Any]
    prompts: list[str]
    head: Any
    embeddings: np.ndarray
    plain: np.ndarray


def zoo_clip_head() -> HeadSetup:
    """zoo:clip on one thread (both benches time single-threaded), its head on 16 images."""
    torch.set_num_threads(1)
    clip = resolve_model("zoo:clip").load()
    images = [s.load_image() for s in world.generate(seed=31, n=IMAGES)]
    prompts = [f"a photo of a {s}." for s in world.SHAPES]
    head, embeddings, plain = zero_shot_head(clip, images, prompts)
    return HeadSetup(clip, images, prompts, head, embeddings, plain)
