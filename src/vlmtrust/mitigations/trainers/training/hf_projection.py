"""``dp_finetune`` on a local Hugging Face CLIP: DP-SGD on its visual projection only.

The same recipe as for the zoo organisms (``membership_finetune``): the vision transformer is
frozen and its pooled output computed once, and only ``visual_projection`` (one ``Linear``) is
fine-tuned with Opacus, pulling each member image's embedding onto its caption's. A user model has
no world generator behind it, so the member set is a user folder (``member_data=PATH``: images
with a ``caption`` column, as for ``--data``); the artifact key includes the folder's content.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from vlmtrust.core.errors import ConfigError, DataError
from vlmtrust.core.paths import user_file
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import sha256_hex

PROJECTION_FILE = "visual_projection.safetensors"


def is_hf_clip(handle: Any) -> bool:
    return bool(handle.kind == "hf" and handle.options.get("model_type") == "clip")


def member_samples(member_data: str | None) -> list[Sample]:
    """The user's member folder, every entry with an image and a caption; one-line errors."""
    from vlmtrust.data import load_data

    if member_data is None:
        raise ConfigError(
            "dp_finetune on an hf: CLIP needs its member set",
            "pass dp_finetune:member_data=PATH (an image folder with a caption column)",
        )
    if not user_file(member_data, "member_data").exists():
        raise DataError(
            f"member_data folder {member_data} does not exist",
            "pass dp_finetune:member_data=PATH (an image folder with a caption column)",
        )
    samples = load_data(member_data).samples
    usable = [s for s in samples if s.image is not None and s.labels.get("caption")]
    if len(usable) < 2:
        raise DataError(
            f"member_data {member_data} has {len(usable)} images with a caption",
            "give at least two images a caption column in labels.csv / labels.jsonl",
        )
    return usable


def data_fingerprint(member_data: str | None) -> str:
    samples = member_samples(member_data)
    return sha256_hex(*(f"{s.content_hash}:{s.labels['caption']}" for s in samples))


class HfMemberData:
    """Pooled vision features (before the projection) and caption embeddings, computed once;
    the fields ``DpFinetune.train_head`` and ``retrieval_accuracy`` read."""

    def __init__(self, model: Any, samples: Sequence[Sample]) -> None:
        captions = [str(s.labels["caption"]) for s in samples]
        distinct = sorted(set(captions))
        pixels = model.to_pixels([s.load_image() for s in samples])
        normalised = (pixels - model._mean) / model._std
        with torch.no_grad():
            self.features = model._model.vision_model(pixel_values=normalised).pooler_output
        self.bank = torch.from_numpy(model.encode_text(distinct))
        self.caption_index = torch.tensor([distinct.index(c) for c in captions])
        self.targets = self.bank[self.caption_index]


def projection(model: Any) -> torch.nn.Linear:
    head: torch.nn.Linear = model._model.visual_projection
    return head


def save_projection(out: Path, head: torch.nn.Module) -> None:
    save_file({k: v.detach().contiguous() for k, v in head.state_dict().items()}, str(out))


def load_projection(model: Any, artifact: Path, card: Mapping[str, Any]) -> Any:
    """A copy of the adapter whose CLIP carries the fine-tuned projection."""
    tuned = copy.copy(model)
    tuned._model = copy.deepcopy(model._model)
    tuned._model.visual_projection.load_state_dict(load_file(str(artifact / PROJECTION_FILE)))
    tuned._text_cache = dict(model._text_cache)  # the text tower is unchanged
    tuned.card = dict(card)
    return tuned
