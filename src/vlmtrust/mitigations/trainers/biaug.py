"""``biaug``: hard-negative augmentation fine-tune of zoo:clip (after BiAug, Wu et al. 2023,
"Bi-directional Augmentation for Compositional Image-Text Understanding", and NegCLIP).

Real BiAug edits an object or attribute in a caption with an LLM and in the image with a
generator; the world needs neither: its ``Scene`` says exactly what is drawn, so a hard negative
is the same scene with one thing swapped (``shape`` or ``colour``), rendered with the same layout,
and its caption. Both directions train: each image must pick its own caption over its two swapped
captions (text hard negatives), and each caption must pick its own image over the two swapped
images (image hard negatives); every swapped image also joins the replay as a positive for its
own caption. When a scene carries a written shape name, the shape swap draws exactly that shape:
the hardest negative of a picture of a circle with "square" on it is "a square ...", which is the
typographic attack's own confusion. The hard-negative terms compare *object captions* (the
scene described without its written word, as a zero-shot prompt describes it), so the word alone
can never decide between them; the InfoNCE term keeps the full captions. The last
``tuned_blocks`` blocks and the projection train, as in ``resample``.

On a user's ``train_data`` (any model) nothing can be re-rendered, so the swaps come from the
folder, as the paper's LLM edits would: each row's ``negative_caption`` (its caption with one
object or attribute changed) is its text hard negative, and a row whose caption is another
row's ``negative_caption`` is that row's image hard negative (pairs the folder does not hold
give the text side only; the card counts them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import torch
from pydantic import Field
from torch import nn

from vlmtrust.core.spec import Params
from vlmtrust.data import world
from vlmtrust.mitigations.trainers.training.scenes import render_pixels
from vlmtrust.mitigations.trainers.training.tower_data import user_rows
from vlmtrust.mitigations.trainers.training.tower_finetune import (
    CAPTION,
    CaptionBank,
    ReplayParams,
    SplitTower,
    TowerTrainer,
    info_nce,
    seeded,
    start_replay,
)

SWAPS: tuple[str, ...] = ("shape", "colour")
#: the train_data column of each row's text hard negative
NEGATIVE = "negative_caption"


class BiaugParams(ReplayParams):
    objects: int = Field(default=600, ge=1, description="object scenes, each with two swaps")
    people: int = Field(default=150, ge=0, description="people scenes replayed (no group bias)")
    hard_weight: float = Field(
        default=1.0, ge=0.0, description="weight of the hard-negative terms beside InfoNCE"
    )
    steps: int = Field(default=250, ge=1, description="Adam steps")
    lr: float = Field(default=1e-3, gt=0.0, description="Adam learning rate")
    batch_size: int = Field(default=96, ge=2, description="object scenes (or rows) per batch")
    tuned_blocks: int = Field(default=1, ge=1, description="last tower blocks that train")


def swap(scene: world.Scene, what: str, rng: np.random.Generator) -> world.Scene:
    """The same object scene with its ``shape`` or ``colour`` changed to another valid one
    (the written word's shape when there is one; never the written word's own ink colour)."""
    if scene.family != "objects":
        raise ValueError("only object scenes have a shape and colour to swap")
    if what == "shape":
        if scene.text in world.SHAPES and scene.text != scene.shape:
            return scene.replace(shape=scene.text)
        options = [s for s in world.SHAPES if s != scene.shape]
        return scene.replace(shape=options[int(rng.integers(len(options)))])
    if what == "colour":
        options = [c for c in world.COLOURS if c not in (scene.colour, scene.text_colour)]
        return scene.replace(colour=options[int(rng.integers(len(options)))])
    raise ValueError(f"can swap one of {SWAPS}, not {what!r}")


def object_caption(scene: world.Scene) -> str:
    """What is drawn, leaving out any written word: the caption a zero-shot prompt matches."""
    return scene.without_text().caption(with_group=False)


def hard_negatives(
    scenes: Sequence[world.Scene], seed: int
) -> tuple[list[world.Scene], list[list[world.Scene]]]:
    """The object scenes, and per object scene its swapped scenes in ``SWAPS`` order."""
    rng = np.random.default_rng([seed, 23])
    objects = [s for s in scenes if s.family == "objects"]
    return objects, [[swap(s, what, rng) for what in SWAPS] for s in objects]


def hard_pair(
    scale: float, anchors: torch.Tensor, own: torch.Tensor, negative: torch.Tensor
) -> torch.Tensor:
    """Cross-entropy of each anchor picking its own partner over its hard negative."""
    logits = scale * torch.einsum("bd,bkd->bk", anchors, torch.stack([own, negative], dim=1))
    return nn.functional.cross_entropy(logits, torch.zeros(len(anchors), dtype=torch.long))


class Biaug(TowerTrainer):
    Params: ClassVar[type[Params]] = BiaugParams

    def train_columns(self) -> tuple[str, ...]:
        return (CAPTION, NEGATIVE)

    def _train(self, model: Any, params: BiaugParams) -> tuple[Any, dict[str, Any]]:
        if params.train_data is not None:
            return self._train_on_rows(model, params, params.train_data)
        generator, replay, _ = start_replay(params)
        objects, swapped = hard_negatives(replay, params.seed)
        people = [s for s in replay if s.family != "objects"]
        # rows: objects, then each swap kind in order, then people
        scenes = [*objects, *(negs[k] for k in range(len(SWAPS)) for negs in swapped), *people]
        captions = [s.caption(with_group=False) for s in scenes]
        described = [object_caption(s) for s in scenes]
        bank = CaptionBank(model, captions + described)
        target, hard_target = bank.index(captions), bank.index(described)
        split = SplitTower(model, params.tuned_blocks)
        early = split.early(render_pixels(model, scenes))
        n_obj = len(objects)
        optimiser = torch.optim.Adam(split.parameters(), params.lr)
        scale = model.logit_scale()
        people_rows = torch.arange((1 + len(SWAPS)) * n_obj, len(scenes))
        n_people = round(params.batch_size * len(people) / len(replay)) if len(people) else 0
        stats = {"loss": 0.0, "hard_text": 0.0, "hard_image": 0.0}
        for _ in range(params.steps):
            picked = torch.randint(n_obj, (params.batch_size,), generator=generator)
            # each picked scene with its swapped twins: (batch, 1 + swaps)
            group = picked[:, None] + n_obj * torch.arange(1 + len(SWAPS))[None, :]
            extra = people_rows[torch.randint(len(people_rows), (n_people,), generator=generator)]
            rows = torch.cat([group.reshape(-1), extra]) if n_people else group.reshape(-1)
            embedding = split.embed(early[rows])
            plain = info_nce(scale, embedding, bank.embeddings, target[rows])
            images = embedding[: group.numel()].reshape(*group.shape, -1)
            texts = bank.embeddings[hard_target[group[:, 0]]]  # each scene's own description
            own = torch.zeros(len(picked), dtype=torch.long)
            # text side: the original image against its own and its swapped descriptions
            caption_set = bank.embeddings[hard_target[group]]  # (batch, 1 + swaps, dim)
            hard_text = nn.functional.cross_entropy(
                scale * torch.einsum("bd,bkd->bk", images[:, 0], caption_set), own
            )
            # image side: the original caption against its own and its swapped images
            hard_image = nn.functional.cross_entropy(
                scale * torch.einsum("bd,bkd->bk", texts, images), own
            )
            loss = plain + params.hard_weight * (hard_text + hard_image)
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            stats = {
                "loss": float(loss.detach()),
                "hard_text": float(hard_text.detach()),
                "hard_image": float(hard_image.detach()),
            }
        return split.done(), {
            **{f"final_{k}": round(v, 4) for k, v in stats.items()},
            "object_scenes": n_obj,
            "hard_negative_images": len(SWAPS) * n_obj,
            "distinct_captions": len(bank.captions),
        }

    def _train_on_rows(
        self, model: Any, params: BiaugParams, train_data: str
    ) -> tuple[Any, dict[str, Any]]:
        """The user's rows: InfoNCE on captions, each image against its caption and its
        ``negative_caption``, and each caption against its image and its image hard negative
        where the folder holds one (see module doc)."""
        generator = seeded(params.seed)
        rows = user_rows(model, train_data, self.spec.name, self.train_columns())
        captions, negatives = rows.values(CAPTION), rows.values(NEGATIVE)
        bank = CaptionBank(model, captions + negatives)
        target, negative = bank.index(captions), bank.index(negatives)
        first_row = {caption: i for i, caption in reversed(list(enumerate(captions)))}
        twin = torch.tensor([first_row.get(n, -1) for n in negatives])
        split = SplitTower(model, params.tuned_blocks)
        early = split.early(rows.pixels)
        optimiser = torch.optim.Adam(split.parameters(), params.lr)
        scale = model.logit_scale()
        stats = {"loss": 0.0, "hard_text": 0.0, "hard_image": 0.0}
        for _ in range(params.steps):
            picked = torch.randint(len(captions), (params.batch_size,), generator=generator)
            embedding = split.embed(early[picked])
            texts = bank.embeddings[target[picked]]
            plain = info_nce(scale, embedding, bank.embeddings, target[picked])
            hard_text = hard_pair(scale, embedding, texts, bank.embeddings[negative[picked]])
            paired = twin[picked] >= 0
            hard_image = torch.zeros(())
            if bool(paired.any()):
                others = split.embed(early[twin[picked][paired]])
                hard_image = hard_pair(scale, texts[paired], embedding[paired], others)
            loss = plain + params.hard_weight * (hard_text + hard_image)
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            stats = {
                "loss": float(loss.detach()),
                "hard_text": float(hard_text.detach()),
                "hard_image": float(hard_image.detach()),
            }
        return split.done(), {
            **{f"final_{k}": round(v, 4) for k, v in stats.items()},
            "train_rows": len(captions),
            "hard_negative_images": int((twin >= 0).sum()),
            "distinct_captions": len(bank.captions),
        }
