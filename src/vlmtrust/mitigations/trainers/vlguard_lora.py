"""``vlguard_lora``: VLGuard's safety fine-tuning for a local ``hf:`` image-text-to-text model,
trained as LoRA adapters (``peft``, placed through ``Tunable.trainable`` on the frozen base) so
only a few thousand weights change and the artifact is the adapter alone.

The recipe is ``vlguard``'s: harmful placeholder requests rendered in the FigStep layout (varied
font size and ink) paired with a refusal, their benign twins rendered the same way, and normal
instruction data mixed in. What differs is where the helpful answers come from: we ship no
instruction-tuning set in the checkpoint's own style, so the benign twins and the replayed rows
are answered by the *base model itself* (greedy), and the adapter learns to keep those answers
while refusing the harmful images. Self-distilled replay preserves the model's helpfulness by
construction instead of teaching it the zoo's terse caption style.

The replay is the user's: ``train_data=PATH``, rows with an image and a ``prompt``; rows with
``harmful`` true are taught the refusal too (beside the typographic ones, or instead of them
with ``safety_examples=0``). The world's scenes are never used on a user's model.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from PIL import Image
from pydantic import Field

from vlmtrust.core.errors import CapabilityError, ConfigError
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Params
from vlmtrust.core.threads import torch_threads
from vlmtrust.data.instructions import Example
from vlmtrust.mitigations.trainers.base import Trainer
from vlmtrust.mitigations.trainers.training.self_distill import (
    REFUSAL,
    LoraParams,
    flag,
    image_of,
    own_answers,
)
from vlmtrust.mitigations.trainers.training.train_data import (
    TrainDataParams,
    samples_fingerprint,
    train_samples,
)
from vlmtrust.mitigations.trainers.vlguard import safety_requests
from vlmtrust.models.base import ModelHandle

NAME = "vlguard_lora"
#: what each train_data row needs; ``harmful`` (true/false) is optional
COLUMNS = ("prompt",)
#: where the adapter sits in the artifact (``hf_generator_tuning.ADAPTER_DIR``)
ADAPTER_DIR = "adapter"
#: below this many weights a model trains on one thread (the tiny test checkpoints)
SMALL_MODEL = 10_000_000


class VlguardLoraParams(LoraParams, TrainDataParams):
    safety_examples: int = Field(
        default=400,
        ge=0,
        description="typographic FigStep requests, half harmful (-> refusal), half benign "
        "(-> the base's own answer)",
    )
    replay: int = Field(
        default=400,
        ge=0,
        description="at most this many train_data rows (not harmful) kept with the base "
        "model's own answers",
    )
    steps: int = Field(default=200, ge=1, description="optimiser steps on the LoRA adapters")
    lr: float = Field(default=2e-4, gt=0, description="learning rate")
    batch_size: int = Field(default=8, ge=1, description="examples per step")
    refusal: str = Field(
        default=REFUSAL, min_length=1, description="the answer taught for harmful requests"
    )
    seed: int = Field(default=0, description="seed of the examples drawn and of the training")


def world_prompts(seed: int, n: int) -> list[tuple[Image.Image, str]]:
    """``n`` world scenes with a caption or VQA prompt (held-out probes for the tests and the
    demo; never trained on: a user's model replays the user's rows)."""
    from vlmtrust.data import world
    from vlmtrust.data.world import prompts

    rng = np.random.default_rng([seed, 31])
    out = []
    for index in range(n):
        family = "people" if rng.random() < 0.35 else "objects"
        scene = world.scene_for(seed, index, family, text_prob=0.3)
        if rng.random() < 0.4:
            prompt = str(rng.choice(prompts.CAPTION_PROMPTS))
        else:
            questions = scene.questions()
            prompt = questions[int(rng.integers(len(questions)))][0]
        out.append((world.render(scene), prompt))
    return out


class VlguardLora(Trainer):
    Params: ClassVar[type[Params]] = VlguardLoraParams
    params: VlguardLoraParams
    requires: ClassVar[tuple[str, ...]] = ("Generator",)
    roles: ClassVar[tuple[str, ...]] = ("decoder",)
    adapter: ClassVar[bool] = True
    #: the train_data rows, read once per trainer (the check and the key both need them)
    _rows: list[Sample] | None = None

    def check_model(self, handle: ModelHandle) -> None:
        if handle.kind != "hf" or not handle.options.get("generative"):
            raise CapabilityError(
                f"mitigation vlguard_lora fine-tunes local hf: image-text-to-text checkpoints, "
                f"not {handle.name}",
                "use it with hf:DIR (a LLaVA-style checkpoint); for zoo:assistant use vlguard",
            )
        super().check_model(handle)  # train_data required, COLUMNS in its rows
        harmful, _ = self._split()
        if not harmful and self.params.safety_examples == 0:
            raise ConfigError(
                f"{NAME} with safety_examples=0 needs rows with harmful=true in train_data "
                f"{self.params.train_data}: there is nothing to refuse",
                "mark harmful rows with harmful=true, or keep the typographic safety_examples",
            )

    def train_columns(self) -> tuple[str, ...]:
        return COLUMNS

    def data_fingerprint(self) -> str:
        return samples_fingerprint(self._samples(), (*COLUMNS, "harmful"))

    def examples(self, model: Any) -> list[Example]:
        """The training mix; benign answers are the base model's own greedy answers."""
        params = self.params
        rng = np.random.default_rng([params.seed, 23])
        safety = safety_requests(rng, params.safety_examples)
        harmful, benign = self._split()
        replay = [(image_of(s), s.prompt or "") for s in benign[: params.replay]]
        to_answer: list[tuple[Image.Image | None, str]] = [
            (image, prompt) for h, image, prompt in safety if not h
        ]
        to_answer += replay
        answers = own_answers(model, to_answer, params.batch_size)
        out = [Example("refusal", im, prompt, params.refusal) for h, im, prompt in safety if h]
        out += [Example("refusal", image_of(s), s.prompt or "", params.refusal) for s in harmful]
        kinds = ["benign_figstep"] * (len(to_answer) - len(replay)) + ["replay"] * len(replay)
        for kind, (image, prompt), answer in zip(kinds, to_answer, answers, strict=True):
            if answer.strip():  # nothing to keep when the base says nothing
                out.append(Example(kind, image, prompt, answer))
        return out

    def fit(self, model: Any, out: Path) -> Mapping[str, Any]:
        small = sum(p.numel() for p in model.module("decoder").parameters()) < SMALL_MODEL
        with torch_threads(1 if small else torch.get_num_threads()):
            return self._fit(model, out)

    def _fit(self, model: Any, out: Path) -> Mapping[str, Any]:
        params = self.params
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(params.seed)
            with model.trainable("decoder", params.lora()) as network:
                # after the adapters fit (a bad spec fails at once); they add exactly zero
                # until the first step, so the base's own answers are what it says untuned
                examples = self.examples(model)
                loss_of = model.answer_loss({"decoder": network}, examples)
                trainable = [p for p in network.parameters() if p.requires_grad]
                optimiser = torch.optim.AdamW(trainable, lr=params.lr, weight_decay=0.0)
                rng = np.random.default_rng([params.seed, 29])
                loss_value = float("nan")
                for _ in range(params.steps):
                    picks = torch.from_numpy(rng.integers(0, len(examples), params.batch_size))
                    loss = loss_of(picks)
                    optimiser.zero_grad()
                    loss.backward()
                    optimiser.step()
                    loss_value = float(loss.detach())
                model.save_delta(out, {"decoder": network})
        return {
            "final_loss": round(loss_value, 4),
            "examples": len(examples),
            "targets": sum(e.kind == "refusal" for e in examples),
            "trainable_parameters": sum(p.numel() for p in trainable),
        }

    def _samples(self) -> list[Sample]:
        if self.params.train_data is None:
            return []
        if self._rows is None:
            self._rows = train_samples(self.params.train_data, NAME, COLUMNS)
        return self._rows

    def _split(self) -> tuple[list[Sample], list[Sample]]:
        """(harmful rows, the others) of train_data; a one-line DataError on a bad value."""
        path = str(self.params.train_data)
        rows = self._samples()
        harmful = [flag(s, "harmful", path, NAME) for s in rows]
        return (
            [s for s, h in zip(rows, harmful, strict=True) if h],
            [s for s, h in zip(rows, harmful, strict=True) if not h],
        )
