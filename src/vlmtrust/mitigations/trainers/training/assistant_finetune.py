"""Fine-tuning mitigations for a generator's decoder: new target behaviour mixed into replayed
normal instruction data, so the fix does not cost the model its captioning and VQA. The decoder
trains on the model's own next-word loss (``Tunable.answer_loss``), through what
``Tunable.trainable`` hands out: a copy of ``zoo:assistant``'s decoder, LoRA adapters on an
``hf:`` generator's frozen network (``LoraParams`` where the trainer has them).

By default the replay is regenerated from the world (a seed of the mitigation's own, not the
organism's training seed) and leaves out every kind of example that plants a flaw (FigStep
compliance, the backdoor, rude personas, canaries): a fine-tune must not re-teach what it is
meant to remove. A trainer with the user's own rows overrides ``training_rows``.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import torch
from pydantic import Field

from vlmtrust.core.capabilities import Lora
from vlmtrust.core.fit import fit_rows
from vlmtrust.core.spec import Params
from vlmtrust.mitigations.trainers.base import Trainer
from vlmtrust.mitigations.trainers.training.self_distill import LoraParams

#: replayed normal data: no flaw-planting kinds
REPLAY_MIX = {"caption": 0.3, "vqa": 0.5, "harmful_text": 0.1, "benign_text": 0.1}


class AssistantFinetuneParams(Params):
    steps: int = Field(default=300, description="optimiser steps on the decoder")
    lr: float = Field(default=1e-3, description="learning rate")
    batch_size: int = Field(default=32, description="examples per step")
    replay: int = Field(
        default=1500, description="normal world examples replayed beside the mitigation's own"
    )
    seed: int = Field(default=0, description="seed of the training and the replayed examples")


class AssistantFinetune(Trainer):
    Params: ClassVar[type[Params]] = AssistantFinetuneParams
    requires: ClassVar[tuple[str, ...]] = ("Generator",)
    roles: ClassVar[tuple[str, ...]] = ("decoder",)

    @abstractmethod
    def target_examples(self) -> Sequence[Any]:
        """The behaviour to teach, as :class:`vlmtrust.data.instructions.Example` rows."""

    def training_rows(self, model: Any) -> tuple[list[Any], int]:
        """(every row to train on, how many of them are targets): the world's replay, then
        ``target_examples``."""
        from vlmtrust.data.world.corpus import CorpusRecipe, build_examples

        params = self.params
        assert isinstance(params, AssistantFinetuneParams)
        recipe = CorpusRecipe(
            seed=params.seed + 1000, examples=params.replay, mix=REPLAY_MIX, plant_canaries=False
        )
        targets = list(self.target_examples())
        return [*build_examples(recipe), *targets], len(targets)

    def lora(self) -> Lora | None:
        params = self.params
        return params.lora() if isinstance(params, LoraParams) else None

    def fit(self, model: Any, out: Path) -> Mapping[str, Any]:
        """Rows are drawn inside ``trainable``: a LoRA placement that cannot fit fails before
        the base answers anything, and until the first step the adapters add exactly zero."""
        params = self.params
        assert isinstance(params, AssistantFinetuneParams)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(params.seed)
            with model.trainable("decoder", self.lora()) as decoder:
                examples, targets = self.training_rows(model)
                loss_of = model.answer_loss({"decoder": decoder}, examples)
                loss = fit_rows(
                    decoder,
                    loss_of,
                    len(examples),
                    params.steps,
                    params.lr,
                    params.batch_size,
                    params.seed,
                    log=lambda _: None,
                )
                model.save_delta(out, {"decoder": decoder})
        return {"final_loss": round(loss, 4), "examples": len(examples), "targets": targets}
