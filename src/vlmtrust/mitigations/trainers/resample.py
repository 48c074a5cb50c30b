"""``resample``: fine-tune zoo:clip's last image-tower layers on re-sampled, counterfactually
augmented data.

Two fixes from the group-robustness literature, combined: (1) re-sampling: the base model's
zero-shot occupation accuracy is measured on every (group x occupation) cell of the training
people scenes, and a cell is drawn in proportion to its error rate (plus a floor), so the cells
the planted bias hurts (group B doctors, group A builders, props out of frame) dominate the
batches; (2) counterfactual augmentation: every people scene comes with its group-swapped twin
under the same caption, so no caption can be told apart by the group. Object scenes are replayed
uniformly so shapes are not forgotten. Only the last conv block and the projection train (the
earlier layers' features are computed once), which keeps training well under a minute.
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
from vlmtrust.mitigations.trainers.training.tower_finetune import SplitTower, TowerTrainer


class ResampleParams(ClipDataParams):
    steps: int = Field(default=300, ge=1)
    lr: float = Field(default=2e-3, gt=0.0)
    batch_size: int = Field(default=128, ge=2)
    #: share of each batch drawn from people scenes (re-sampled by cell); the rest objects
    people_share: float = Field(default=0.6, ge=0.0, le=1.0)
    #: a cell's weight is its error rate plus this floor, so well-served cells still appear
    floor: float = Field(default=0.05, gt=0.0)


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

    def _train(self, model: Any, params: ResampleParams) -> tuple[Any, dict[str, Any]]:
        torch.manual_seed(params.seed)
        data = build_clip_data(params, model)
        split = SplitTower(model)
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
        queries = [f"a photo of a {o}." for o in world.OCCUPATIONS]
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
