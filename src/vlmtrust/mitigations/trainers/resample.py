"""``resample``: fine-tune a CLIP's last image-tower layers on re-sampled, counterfactually
augmented data (zoo models), or on a user's re-sampled ``train_data`` (any model).

Two fixes from the group-robustness literature, combined: (1) re-sampling: the base model's
zero-shot occupation accuracy is measured on every (group x occupation) cell of the training
people scenes, and a cell is drawn in proportion to its error rate (plus a floor), so the cells
the planted bias hurts (group B doctors, group A builders, props out of frame) dominate the
batches; (2) counterfactual augmentation: every people scene comes with its group-swapped twin
under the same caption, so no caption can be told apart by the group. Object scenes are replayed
uniformly so shapes are not forgotten. Only the last ``tuned_blocks`` blocks and the projection
train (the earlier layers' features are computed once), which keeps training well under a minute.

On a user's ``train_data`` the cells are the folder's (``group_column`` x ``label_column``): the
base model's zero-shot accuracy on the label column's classes (``a photo of a {}.``) per cell sets
the draw weights, and each image trains to its ``caption`` among the folder's captions. There is
no counterfactual twin (a photograph cannot be re-rendered with the other group; a folder that
holds twins as rows gets them re-sampled like any row) and no separate replay: every row is drawn
by its cell's weight.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from pydantic import Field
from torch import nn

from vlmtrust.core.spec import Params
from vlmtrust.data import world
from vlmtrust.mitigations.trainers.training.clip_data import (
    ClipData,
    ClipDataParams,
    build_clip_data,
)
from vlmtrust.mitigations.trainers.training.tower_data import UserRows, user_rows
from vlmtrust.mitigations.trainers.training.tower_finetune import (
    CAPTION,
    SplitTower,
    TowerTrainer,
    seeded,
)
from vlmtrust.mitigations.trainers.training.train_data import TrainDataParams

#: the zero-shot prompt of an occupation or a train_data class
TEMPLATE = "a photo of a {}."


class ResampleParams(ClipDataParams, TrainDataParams):
    steps: int = Field(default=300, ge=1, description="Adam steps")
    lr: float = Field(default=2e-3, gt=0.0, description="Adam learning rate")
    batch_size: int = Field(default=128, ge=2, description="scenes per step")
    people_share: float = Field(
        default=0.6,
        ge=0.0,
        le=1.0,
        description="share of each batch drawn from people scenes (re-sampled by cell)",
    )
    floor: float = Field(
        default=0.05,
        gt=0.0,
        description="added to a cell's error rate as its weight, so well-served cells appear",
    )
    group_column: str = Field(default="group", description="train_data's group column")
    label_column: str = Field(
        default="label", description="train_data's class column (zero-shot accuracy per cell)"
    )
    tuned_blocks: int = Field(default=1, ge=1, description="last tower blocks that train")


def cell_weights(correct: torch.Tensor, cells: torch.Tensor, floor: float) -> torch.Tensor:
    """Per-sample draw weights: each cell (an integer id per sample) gets total mass
    proportional to (error rate + floor), shared evenly among its samples."""
    weights = torch.zeros(len(cells), dtype=torch.float64)
    ids = torch.unique(cells)
    for cell in ids:
        members = cells == cell
        error = 1.0 - correct[members].double().mean()
        weights[members] = (error + floor) / members.sum()
    return weights / weights.sum()


class Resample(TowerTrainer):
    Params: ClassVar[type[Params]] = ResampleParams

    def train_columns(self) -> tuple[str, ...]:
        params = self.params
        assert isinstance(params, ResampleParams)
        return (CAPTION, params.group_column, params.label_column)

    def _train(self, model: Any, params: ResampleParams) -> tuple[Any, dict[str, Any]]:
        if params.train_data is not None:
            return self._train_on_rows(model, params, params.train_data)
        torch.manual_seed(params.seed)
        data = build_clip_data(params, model)
        split = SplitTower(model, params.tuned_blocks)
        early = split.early(data.pixels, batch=len(data.pixels))
        weights, by_cell = self._people_weights(model, data, params.floor)
        trainable = split.parameters()
        bank = model.text_targets(data.captions)
        scale = model.logit_scale()
        optimiser = torch.optim.Adam(trainable, params.lr)
        generator = torch.Generator().manual_seed(params.seed)
        people = data.people.nonzero().squeeze(1)
        objects = (~data.people).nonzero().squeeze(1)
        n_people = round(params.batch_size * params.people_share) if len(objects) else 0
        n_people = params.batch_size if not len(objects) else n_people
        loss_value = 0.0
        for _ in range(params.steps):
            picked = people[torch.multinomial(weights, n_people, True, generator=generator)]
            if params.batch_size > n_people:
                extra = torch.randint(
                    len(objects), (params.batch_size - n_people,), generator=generator
                )
                picked = torch.cat([picked, objects[extra]])
            embedding = split.embed(early[picked])
            loss = nn.functional.cross_entropy(
                scale * embedding @ bank.T, data.caption_index[picked]
            )
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            loss_value = float(loss.detach())
        return split.done(), {"final_loss": round(loss_value, 4), "base_accuracy_by_cell": by_cell}

    def _people_weights(
        self, model: Any, data: ClipData, floor: float
    ) -> tuple[torch.Tensor, dict[str, float]]:
        """Draw weights over the people scenes from the base model's zero-shot occupation
        accuracy per (group x occupation) cell; the accuracies go on the card."""
        people = data.people.nonzero().squeeze(1)
        queries = [TEMPLATE.format(o) for o in world.OCCUPATIONS]
        with torch.no_grad():
            predicted = model.pixel_logits(data.pixels[people], queries).argmax(1)
        occupation, group = data.occupation[people], data.group[people]
        correct = predicted == occupation
        cells = group * len(world.OCCUPATIONS) + occupation
        by_cell = {
            f"{world.GROUPS[int(c) // len(world.OCCUPATIONS)]}:"
            f"{world.OCCUPATIONS[int(c) % len(world.OCCUPATIONS)]}": round(
                float(correct[cells == c].double().mean()), 4
            )
            for c in torch.unique(cells)
        }
        return cell_weights(correct, cells, floor), by_cell

    def _train_on_rows(
        self, model: Any, params: ResampleParams, train_data: str
    ) -> tuple[Any, dict[str, Any]]:
        """The user's rows, each drawn by its (group x label) cell's weight (see module doc)."""
        generator = seeded(params.seed)
        rows = user_rows(model, train_data, self.spec.name, self.train_columns())
        split = SplitTower(model, params.tuned_blocks)
        early = split.early(rows.pixels, batch=64)
        weights, by_cell = user_weights(model, rows, params)
        captions = rows.values(CAPTION)
        distinct = sorted(set(captions))
        lookup = {c: i for i, c in enumerate(distinct)}
        caption_index = torch.tensor([lookup[c] for c in captions])
        bank = model.text_targets(distinct)
        scale = model.logit_scale()
        optimiser = torch.optim.Adam(split.parameters(), params.lr)
        loss_value = 0.0
        for _ in range(params.steps):
            picked = torch.multinomial(weights, params.batch_size, True, generator=generator)
            embedding = split.embed(early[picked])
            loss = nn.functional.cross_entropy(scale * embedding @ bank.T, caption_index[picked])
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            loss_value = float(loss.detach())
        return split.done(), {
            "final_loss": round(loss_value, 4),
            "base_accuracy_by_cell": by_cell,
            "train_rows": len(captions),
        }


def user_weights(
    model: Any, rows: UserRows, params: ResampleParams, batch: int = 64
) -> tuple[torch.Tensor, dict[str, float]]:
    """Draw weights over the rows from the base model's zero-shot accuracy on the label column
    per (group x label) cell; the accuracies (keyed ``group:label``) go on the card."""
    classes, groups = rows.classes(params.label_column), rows.classes(params.group_column)
    queries = [TEMPLATE.format(c) for c in classes]
    with torch.no_grad():
        predicted = torch.cat(
            [
                model.pixel_logits(rows.pixels[i : i + batch], queries).argmax(1).cpu()
                for i in range(0, len(rows.pixels), batch)
            ]
        )
    label, group = rows.targets(params.label_column), rows.targets(params.group_column)
    correct = predicted == label
    cells = group * len(classes) + label
    by_cell = {
        f"{groups[int(c) // len(classes)]}:{classes[int(c) % len(classes)]}": round(
            float(correct[cells == c].double().mean()), 4
        )
        for c in torch.unique(cells)
    }
    return cell_weights(correct, cells, params.floor), by_cell
