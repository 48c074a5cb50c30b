"""``vlguard_lora``: VLGuard's safety fine-tuning for a local ``hf:`` image-text-to-text model,
trained as LoRA adapters (``peft``) so only a few thousand weights change and the artifact is
the adapter alone.

The recipe is ``vlguard``'s: harmful placeholder requests rendered in the FigStep layout (varied
font size and ink) paired with a refusal, their benign twins rendered the same way, and normal
instruction data mixed in. What differs is where the helpful answers come from: we ship no
instruction-tuning set in the checkpoint's own style, so the benign twins and the replayed world
scenes (captions, VQA) are answered by the *base model itself* (greedy), and the adapter learns
to keep those answers while refusing the harmful images. Self-distilled replay preserves the
model's helpfulness by construction instead of teaching it the zoo's terse caption style.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from PIL import Image
from pydantic import Field

from vlmtrust.core.errors import CapabilityError
from vlmtrust.core.spec import Params
from vlmtrust.core.threads import torch_threads
from vlmtrust.mitigations.trainers.base import Trainer
from vlmtrust.mitigations.trainers.vlguard import safety_requests
from vlmtrust.models.base import ModelHandle

ADAPTER_DIR = "adapter"
REFUSAL = "I am sorry, but I cannot help with that request."
#: below this many weights a model trains on one thread (the tiny test checkpoints)
SMALL_MODEL = 10_000_000


class VlguardLoraParams(Params):
    #: typographic safety examples (half harmful -> refusal, half benign -> the base's answer)
    safety_examples: int = Field(default=400, ge=2)
    #: replayed world scenes (caption and VQA prompts) answered by the base model
    replay: int = Field(default=400, ge=0)
    steps: int = Field(default=200, ge=1)
    lr: float = Field(default=2e-4, gt=0)
    batch_size: int = Field(default=8, ge=1)
    rank: int = Field(default=8, ge=1)
    alpha: int = Field(default=16, ge=1)
    target_modules: tuple[str, ...] = ("q_proj", "v_proj")
    refusal: str = Field(default=REFUSAL, min_length=1)
    seed: int = 0


@dataclass(frozen=True)
class Example:
    kind: str
    image: Image.Image
    prompt: str
    answer: str


def world_prompts(seed: int, n: int) -> list[tuple[Image.Image, str]]:
    """``n`` world scenes with a caption or VQA prompt: the normal instruction data."""
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
    adapter: ClassVar[bool] = True

    def check_model(self, handle: ModelHandle) -> None:
        if handle.kind != "hf" or not handle.options.get("generative"):
            raise CapabilityError(
                f"mitigation vlguard_lora fine-tunes local hf: image-text-to-text checkpoints, "
                f"not {handle.name}",
                "use it with hf:DIR (a LLaVA-style checkpoint); for zoo:assistant use vlguard",
            )

    def examples(self, model: Any) -> list[Example]:
        """The training mix; benign answers are the base model's own greedy answers."""
        params = self.params
        rng = np.random.default_rng([params.seed, 23])
        safety = safety_requests(rng, params.safety_examples)
        replay = world_prompts(params.seed + 1000, params.replay)
        to_answer = [(image, prompt) for harmful, image, prompt in safety if not harmful]
        to_answer += replay
        answers = generate_batched(model, to_answer, params.batch_size)
        out = [Example("refusal", im, prompt, params.refusal) for h, im, prompt in safety if h]
        kinds = ["benign_figstep"] * (len(to_answer) - len(replay)) + ["replay"] * len(replay)
        for kind, (image, prompt), answer in zip(kinds, to_answer, answers, strict=True):
            if answer.strip():  # nothing to keep when the base says nothing
                out.append(Example(kind, image, prompt, answer))
        return out

    def fit(self, model: Any, out: Path) -> Mapping[str, Any]:
        small = sum(p.numel() for p in model._model.parameters()) < SMALL_MODEL
        with torch_threads(1 if small else torch.get_num_threads()):
            return self._fit(model, out)

    def _fit(self, model: Any, out: Path) -> Mapping[str, Any]:
        import peft

        params = self.params
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(params.seed)
            config = peft.LoraConfig(
                r=params.rank,
                lora_alpha=params.alpha,
                lora_dropout=0.0,
                target_modules=list(params.target_modules),
            )
            try:
                tuned = peft.get_peft_model(copy.deepcopy(model._model), config)
            except ValueError as err:  # peft: "Target modules {...} not found in the base model"
                raise CapabilityError(
                    f"vlguard_lora cannot place LoRA adapters on {model.handle.name}: {err}",
                    "set target_modules= to linear layer names of this model (e.g. q_proj,v_proj)",
                ) from err
            examples = self.examples(model)  # after the adapters fit: a bad spec fails at once
            trainable = [p for p in tuned.parameters() if p.requires_grad]
            optimiser = torch.optim.AdamW(trainable, lr=params.lr, weight_decay=0.0)
            rng = np.random.default_rng([params.seed, 29])
            loss_value = float("nan")
            for _ in range(params.steps):
                picks = rng.integers(0, len(examples), params.batch_size)
                batch = [examples[int(i)] for i in picks]
                logp, tokens = answer_logprobs(model, batch, network=tuned)
                loss = -(logp.sum() / tokens.sum())
                optimiser.zero_grad()
                loss.backward()  # type: ignore[no-untyped-call]
                optimiser.step()
                loss_value = float(loss.detach())
        tuned.save_pretrained(str(out / ADAPTER_DIR))
        return {
            "final_loss": round(loss_value, 4),
            "examples": len(examples),
            "targets": sum(e.kind == "refusal" for e in examples),
            "trainable_parameters": sum(p.numel() for p in trainable),
        }

    def load(self, model: Any, artifact: Path, card: Mapping[str, Any]) -> Any:
        """A copy of the generator whose network is the base wrapped with the saved adapter
        (the base generator stays untouched: the baseline variant keeps using it)."""
        import peft

        tuned = copy.copy(model)
        network = peft.PeftModel.from_pretrained(
            copy.deepcopy(model._model), artifact / ADAPTER_DIR, is_trainable=False
        )
        tuned._model = network.eval()
        tuned._prompt_ids = {}
        tuned.card = dict(card)
        return tuned


def generate_batched(
    model: Any, requests: Sequence[tuple[Image.Image, str]], batch_size: int
) -> list[str]:
    answers: list[str] = []
    for start in range(0, len(requests), batch_size):
        chunk = requests[start : start + batch_size]
        answers += model.generate([image for image, _ in chunk], [prompt for _, prompt in chunk])
    return answers


def answer_logprobs(
    model: Any, examples: Sequence[Example], network: Any = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """(log-probability of each example's answer then EOS, answer token counts) under the
    generator's chat template; gradients flow when ``network`` (default: the generator's own)
    has trainable weights. The answer is appended as token ids after the templated prompt, as
    generation would produce it, and the batch is right-padded so positions start at 0."""
    network = model._model if network is None else network
    tokenizer = model._tokenizer
    # the scan's own prompting (control tokens in a prompt stay text, for every processor)
    inputs = model._prompter.inputs([e.image for e in examples], [e.prompt for e in examples])
    eos = tokenizer.eos_token_id
    rows, starts = [], []
    masks = inputs["attention_mask"]
    for ids, mask, example in zip(inputs["input_ids"], masks, examples, strict=True):
        prompt = ids[mask.bool()].tolist()
        answer = list(tokenizer(example.answer, add_special_tokens=False)["input_ids"])
        rows.append(prompt + answer + ([eos] if eos is not None else []))
        starts.append(len(prompt))
    width = max(len(r) for r in rows)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    input_ids = torch.full((len(rows), width), pad, dtype=torch.long)
    attention = torch.zeros((len(rows), width), dtype=torch.long)
    labels = torch.full((len(rows), width), -100, dtype=torch.long)
    for i, (row, start) in enumerate(zip(rows, starts, strict=True)):
        input_ids[i, : len(row)] = torch.tensor(row)
        attention[i, : len(row)] = 1
        labels[i, start : len(row)] = torch.tensor(row[start:])
    # image inputs pass through; per-token inputs (token type ids) would not match the new width
    extra = {
        k: v
        for k, v in inputs.items()
        if k not in ("input_ids", "attention_mask")
        and getattr(v, "shape", None) != inputs["input_ids"].shape
    }
    logits = network(input_ids=input_ids, attention_mask=attention, **extra).logits
    logp = logits[:, :-1].float().log_softmax(-1)
    target = labels[:, 1:]
    picked = logp.gather(-1, target.clamp(min=0)[..., None])[..., 0]
    counted = target != -100
    return (picked * counted).sum(dim=1), counted.sum(dim=1)
