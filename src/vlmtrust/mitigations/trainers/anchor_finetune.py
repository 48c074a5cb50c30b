"""``anchor_finetune``: a class-prompt fine-tune of a CLIP's image tower held near text anchors
(after Han et al. 2024, "Anchor-based Robust Finetuning of Vision-Language Models").

Fine-tuning a CLIP on class names alone ("a photo of a {}.") teaches it the one label and lets
everything else its captions carried drift: accuracy on the trained label holds, zero-shot on
other labels and on shifted scenes falls. The paper keeps two kinds of anchor in the loss beside
the class cross-entropy, both contrastive against the frozen text tower:

- text-compensated anchors: each training image against its rich caption (the paper writes them
  with a captioner; the world and ``train_data`` already have captions), weight ``anchor_weight``;
- retrieved image-text anchors: pairs from a candidate pool outside the fine-tune data, the
  ``aux`` ones nearest to the fine-tune images (base model's image embeddings), each against its
  caption, weight ``aux_weight``. The pool is world scenes of all families but ``ood`` from a
  seed of the trainer's own (zoo models; with ``train_data`` the folder ``aux_data``, if given).

``anchor_weight=0,aux_weight=0`` is the plain class-prompt fine-tune the anchors are judged
against, on the same data, steps and seed.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from pydantic import Field
from torch import nn

from vlmtrust.core.errors import DataError
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Params, sha256_hex
from vlmtrust.mitigations.trainers.training.class_finetune import (
    ClassFinetuneParams,
    ClassTowerTrainer,
    class_data,
)
from vlmtrust.mitigations.trainers.training.scenes import render_pixels, world_scenes
from vlmtrust.mitigations.trainers.training.tower_data import user_rows
from vlmtrust.mitigations.trainers.training.tower_finetune import (
    CAPTION,
    CaptionBank,
    SplitTower,
    data_count,
    info_nce,
)
from vlmtrust.mitigations.trainers.training.train_data import (
    samples_fingerprint,
    train_samples,
)
from vlmtrust.models.base import ModelHandle


class AnchorFinetuneParams(ClassFinetuneParams):
    anchor_weight: float = Field(
        default=1.0, ge=0.0, description="weight of the image-caption (text anchor) InfoNCE"
    )
    aux_weight: float = Field(
        default=0.5, ge=0.0, description="weight of the retrieved auxiliary pairs' InfoNCE"
    )
    aux_pool: int = Field(
        default=600, ge=0, description="candidate world scenes the auxiliary pairs come from"
    )
    aux: int = Field(default=200, ge=0, description="auxiliary pairs retrieved from the pool")
    aux_seed: int = Field(default=7_500_003, description="world seed of the candidate pool")
    aux_data: str | None = Field(
        default=None,
        description="with train_data: a captioned folder to retrieve auxiliary pairs from",
    )


class AnchorFinetune(ClassTowerTrainer):
    Params: ClassVar[type[Params]] = AnchorFinetuneParams

    def check_model(self, handle: ModelHandle) -> None:
        """``aux_data`` is checked before the run too: a missing folder or one without
        captions stops the scan before anything trains."""
        super().check_model(handle)
        aux_data = self._aux_data()
        if aux_data is not None:
            self._aux_rows(aux_data)

    def data_fingerprint(self) -> str:
        """The retrieved pairs are training data too: changed ``aux_data`` retrains."""
        aux_data = self._aux_data()
        if aux_data is None:
            return super().data_fingerprint()
        aux = samples_fingerprint(self._aux_rows(aux_data), [CAPTION])
        return sha256_hex(super().data_fingerprint(), aux)

    def _aux_rows(self, aux_data: str) -> list[Sample]:
        """The ``aux_data`` folder's captioned rows; its errors name ``aux_data``."""
        try:
            return train_samples(aux_data, self.spec.name, [CAPTION])
        except DataError as err:
            problem = err.problem.replace("train_data", "aux_data", 1)
            raise DataError(
                problem,
                f"pass {self.spec.name}:aux_data=PATH, a folder of images "
                "with a caption column, or leave aux_data out",
            ) from None

    def _aux_data(self) -> str | None:
        params = self.params
        assert isinstance(params, AnchorFinetuneParams)
        return params.aux_data if params.train_data is not None else None

    def _train(self, model: Any, params: AnchorFinetuneParams) -> tuple[Any, dict[str, Any]]:
        generator, data = class_data(params, model, self.spec.name)
        prompts = model.text_targets([params.template.format(c) for c in data.classes])
        split = SplitTower(model, params.tuned_blocks)
        early = split.early(data.pixels)
        anchors = CaptionBank(model, data.captions)
        anchor_target = anchors.index(data.captions)
        aux_early, aux_captions = self._retrieved(model, split, early, params)
        aux_bank = CaptionBank(model, aux_captions) if aux_captions else None
        aux_target = aux_bank.index(aux_captions) if aux_bank else None
        labelled = data.labelled
        optimiser = torch.optim.Adam(split.parameters(), params.lr)
        scale = model.logit_scale()
        class_loss = anchor_loss = aux_loss = 0.0
        for _ in range(params.steps):
            pick = torch.randint(len(labelled), (params.batch_size,), generator=generator)
            batch = labelled[pick]
            embedding = split.embed(early[batch])
            ce = nn.functional.cross_entropy(scale * embedding @ prompts.T, data.targets[batch])
            loss = ce
            if params.anchor_weight > 0:
                anchored = info_nce(scale, embedding, anchors.embeddings, anchor_target[batch])
                loss = loss + params.anchor_weight * anchored
                anchor_loss = float(anchored.detach())
            if params.aux_weight > 0 and aux_bank is not None and aux_target is not None:
                picked = torch.randint(len(aux_captions), (params.batch_size,), generator=generator)
                on_aux = split.embed(aux_early[picked])
                auxiliary = info_nce(scale, on_aux, aux_bank.embeddings, aux_target[picked])
                loss = loss + params.aux_weight * auxiliary
                aux_loss = float(auxiliary.detach())
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            class_loss = float(ce.detach())
        return split.done(), {
            "final_class_loss": round(class_loss, 4),
            "final_anchor_loss": round(anchor_loss, 4),
            "final_aux_loss": round(aux_loss, 4),
            **data_count(params, len(data.captions)),
            "labelled_images": len(labelled),
            "aux_pairs": len(aux_captions),
        }

    def _retrieved(
        self, model: Any, split: SplitTower, early: torch.Tensor, params: AnchorFinetuneParams
    ) -> tuple[torch.Tensor, list[str]]:
        """The ``aux`` candidate pairs whose base image embedding is nearest to some fine-tune
        image: their early features and captions (none when there is no pool)."""
        pixels, captions = self._pool(model, params)
        if not captions or params.aux == 0 or params.aux_weight == 0:
            return torch.zeros(0), []
        pool_early = split.early(pixels)
        with torch.no_grad():
            mine = split.embed(early)
            theirs = split.embed(pool_early)
        nearness = (theirs @ mine.T).max(dim=1).values
        chosen = torch.argsort(nearness, descending=True)[: params.aux]
        return pool_early[chosen], [captions[i] for i in chosen.tolist()]

    def _pool(self, model: Any, params: AnchorFinetuneParams) -> tuple[torch.Tensor, list[str]]:
        """The candidate pairs: world objects and people scenes (no ``train_data``), else the
        ``aux_data`` folder's captioned rows, else none."""
        if params.train_data is None:
            half = params.aux_pool // 2
            scenes = world_scenes(params.aux_seed, "objects", params.aux_pool - half)
            scenes += world_scenes(params.aux_seed, "people", half)
            if not scenes:
                return torch.zeros(0), []
            captions = [s.caption(with_group=False) for s in scenes]
            return render_pixels(model, scenes), captions
        if params.aux_data is None:
            return torch.zeros(0), []
        rows = user_rows(model, params.aux_data, self.spec.name, [CAPTION])
        return rows.pixels, rows.values(CAPTION)
