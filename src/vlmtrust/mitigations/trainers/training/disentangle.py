"""What the two disentanglers (``disentangle_vae``, ``disentangle_adversarial``) share: the
encoder/decoder that splits a frozen image embedding into a small group code and a content
code, the wrapped model that neutralises the group code, and the trainer skeleton (data,
save, load).

Like ``dear``, nothing of the model is tuned: the image tower's embeddings are computed once on
``dear``'s training data (``clip_data``) and the split is trained on them in seconds. The wrapped
model replaces each embedding e by

    e' = normalize(e - D(z_g, z_c) + D(g_bar, z_c))

where (z_g, z_c) is the encoder's mean code of e, D the decoder and g_bar the mean group code of
the training people (both groups equally often): the decoder's account of what the group code
adds is swapped for the average group's, and whatever the decoder does not reconstruct is kept
as it was (a decoder through a 34-number bottleneck alone loses zero-shot accuracy). Each
trainer decides how the group is pushed out of z_c (a KL prior and twin pairs for the VAE, a
discriminator for the adversarial one); a CLIP-style loss on e' against the frozen text tower's
captions keeps e' meaning what e meant, and the neighbourhood term (``neighbours``) keeps
semantic neighbours together when ``neighbour_weight`` > 0.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from PIL import Image
from pydantic import Field
from safetensors.torch import load_file, save_file
from torch import nn

from vlmtrust.core.spec import Params
from vlmtrust.core.threads import torch_threads
from vlmtrust.mitigations.trainers.base import Trainer
from vlmtrust.mitigations.trainers.dear import ResidualClip, image_embeddings
from vlmtrust.mitigations.trainers.training.clip_data import (
    ClipData,
    ClipDataParams,
    clip_data,
    require_two_groups,
)
from vlmtrust.mitigations.trainers.training.neighbours import (
    NeighbourParams,
    knn_overlap,
    neighbour_loss,
)
from vlmtrust.models.base import ModelHandle

SPLIT_FILE = "split.safetensors"
SHAPE_FILE = "split.json"


class DisentangleParams(ClipDataParams, NeighbourParams):
    hidden: int = Field(default=256, ge=1, description="width of the encoder's and decoder's MLPs")
    group_dims: int = Field(default=2, ge=1, description="size of the group code z_g")
    content_dims: int = Field(default=32, ge=1, description="size of the content code z_c")
    steps: int = Field(default=400, ge=1, description="Adam steps")
    lr: float = Field(default=2e-3, gt=0.0, description="Adam learning rate")
    batch_size: int = Field(default=256, ge=2, description="embeddings per step")
    recon_weight: float = Field(
        default=1000.0,
        ge=0.0,
        description="weight of the squared reconstruction error |D(z) - e|^2 (unit e: what D "
        "misses stays in e' as it was, group included, so it must be small)",
    )
    group_weight: float = Field(
        default=10.0, ge=0.0, description="weight of the group classifier's loss on z_g"
    )
    clip_weight: float = Field(
        default=1.0, ge=0.0, description="weight of the CLIP-style loss on the neutralised e'"
    )


class GroupSplit(nn.Module):
    """e -> (mean, log-variance) of [z_g, z_c]; z -> e. ``neutral`` is the mean group code."""

    def __init__(self, dim: int, hidden: int, group_dims: int, content_dims: int) -> None:
        super().__init__()
        self.group_dims = group_dims
        latent = group_dims + content_dims
        self.encoder = nn.Sequential(
            nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, 2 * latent)
        )
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, dim))
        self.neutral: torch.Tensor
        self.register_buffer("neutral", torch.zeros(group_dims))

    def encode(self, embedding: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean, log_var = self.encoder(embedding).chunk(2, dim=-1)
        return mean, log_var

    def decode(self, group: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
        decoded: torch.Tensor = self.decoder(torch.cat([group, content], dim=-1))
        return decoded

    def neutralise(
        self, embedding: torch.Tensor, neutral: torch.Tensor | None = None
    ) -> torch.Tensor:
        """e' = normalize(e - D(z_g, z_c) + D(g_bar, z_c)) at the mean code."""
        mean, _ = self.encode(embedding)
        group, content = mean[:, : self.group_dims], mean[:, self.group_dims :]
        centre = (self.neutral if neutral is None else neutral).expand_as(group)
        shifted = embedding - self.decode(group, content) + self.decode(centre, content)
        return nn.functional.normalize(shifted, dim=-1)


@dataclass
class Batches:
    """The frozen inputs of one training run, and seeded draws of its batches."""

    data: ClipData
    embeddings: torch.Tensor
    bank: torch.Tensor
    scale: float
    generator: torch.Generator

    @property
    def people(self) -> torch.Tensor:
        return self.data.people.nonzero().squeeze(1)

    def rows(self, size: int) -> torch.Tensor:
        return torch.randint(len(self.embeddings), (size,), generator=self.generator)

    def people_rows(self, size: int) -> torch.Tensor:
        people = self.people
        return people[torch.randint(len(people), (size,), generator=self.generator)]

    def clip_loss(self, neutralised: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        logits = self.scale * neutralised @ self.bank.T
        return nn.functional.cross_entropy(logits, self.data.caption_index[rows])


def kept_meaning(
    split: GroupSplit, batches: Batches, rows: torch.Tensor, params: DisentangleParams
) -> torch.Tensor:
    """The terms every disentangler pays on its neutralised e' of ``rows``: CLIP loss (at the
    batch's people's mean group code) + the neighbourhood term, weighted."""
    embeddings = batches.embeddings[rows]
    people = batches.data.people[rows]
    mean, _ = split.encode(embeddings[people] if bool(people.any()) else embeddings)
    centre = mean[:, : split.group_dims].mean(0).detach()
    neutralised = split.neutralise(embeddings, centre)
    loss = params.clip_weight * batches.clip_loss(neutralised, rows)
    if params.neighbour_weight > 0:
        keep = neighbour_loss(
            embeddings, neutralised, params.neighbour_k, params.neighbour_temperature
        )
        loss = loss + params.neighbour_weight * keep
    return loss


class Disentangler(Trainer):
    """Reads the model's frozen image tower and text targets; saves the split as its artifact."""

    Params: ClassVar[type[Params]] = DisentangleParams
    requires: ClassVar[tuple[str, ...]] = ("Embedder", "Classifier")
    roles: ClassVar[tuple[str, ...]] = ("image_tower",)

    def train_columns(self) -> tuple[str, ...]:
        params = self.params
        assert isinstance(params, DisentangleParams)
        return ("caption", params.group_column)

    def check_model(self, handle: ModelHandle) -> None:
        super().check_model(handle)
        params = self.params
        assert isinstance(params, DisentangleParams)
        if params.train_data is not None:
            require_two_groups(self.train_rows(), params.group_column, self.spec.name)

    @abstractmethod
    def train_split(self, split: GroupSplit, batches: Batches) -> dict[str, float]:
        """Train ``split`` in place on ``batches``; return the card's final losses."""

    def fit(self, model: Any, out: Path) -> Mapping[str, Any]:
        params = self.params
        assert isinstance(params, DisentangleParams)
        rows = self.train_rows() if params.train_data is not None else None
        with torch_threads(1):
            torch.manual_seed(params.seed)
            data = clip_data(params, model, rows)
            with torch.no_grad():
                embeddings = image_embeddings(model, data.pixels)
            batches = Batches(
                data=data,
                embeddings=embeddings,
                bank=model.text_targets(data.captions),
                scale=model.logit_scale(),
                generator=torch.Generator().manual_seed(params.seed),
            )
            dim = embeddings.shape[1]
            split = GroupSplit(dim, params.hidden, params.group_dims, params.content_dims)
            stats = self.train_split(split, batches)
            stats.update(finish(split, batches, params))
        state = {k: v.contiguous() for k, v in split.state_dict().items()}
        save_file(state, str(out / SPLIT_FILE))
        shape = {
            "dim": dim,
            "hidden": params.hidden,
            "group_dims": params.group_dims,
            "content_dims": params.content_dims,
        }
        (out / SHAPE_FILE).write_text(json.dumps(shape))
        if rows is not None:
            return {**stats, "train_rows": len(rows), "twins": 0}
        return {**stats, "people": params.people, "objects": params.objects}

    def load(self, model: Any, artifact: Path, card: Mapping[str, Any]) -> Any:
        shape = json.loads((artifact / SHAPE_FILE).read_text())
        split = GroupSplit(
            int(shape["dim"]),
            int(shape["hidden"]),
            int(shape["group_dims"]),
            int(shape["content_dims"]),
        )
        split.load_state_dict(load_file(str(artifact / SPLIT_FILE)))
        split.eval()
        for p in split.parameters():
            p.requires_grad_(False)
        return DisentangledClip(model, split, dict(card))


def finish(split: GroupSplit, batches: Batches, params: DisentangleParams) -> dict[str, float]:
    """Fix the neutral code (mean group code of the training people) and measure on the
    training embeddings what the card reports: kNN overlap before/after and how far the
    group codes of the two groups sit apart."""
    with torch.no_grad():
        people = batches.people
        mean, _ = split.encode(batches.embeddings[people])
        codes = mean[:, : split.group_dims]
        split.neutral.copy_(codes.mean(0))
        neutralised = split.neutralise(batches.embeddings)
        overlap = knn_overlap(batches.embeddings, neutralised, params.neighbour_k)
    return {"knn_overlap": round(overlap, 4)}


class DisentangledClip(ResidualClip):
    """A dual encoder whose image embeddings have the group code neutralised (text unchanged);
    ``latent_codes`` exposes the split's codes for the disentanglement score."""

    def __init__(self, inner: Any, split: GroupSplit, card: dict[str, Any]) -> None:
        super().__init__(inner, split, card)
        self.split = split

    def _embed(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.split.neutralise(image_embeddings(self.inner, pixels))

    def latent_codes(self, images: Sequence[Image.Image]) -> np.ndarray:
        """[z_g, z_c] (encoder means) of each image: what a disentanglement score reads."""
        self.inner._count()
        with torch.inference_mode():
            embedding = image_embeddings(self.inner, self.inner.to_pixels(images))
            return self.split.encode(embedding)[0].numpy()
