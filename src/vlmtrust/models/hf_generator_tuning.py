"""``Tunable`` for ``hf:`` generators: the decoder is tuned as LoRA adapters (``peft``).

A real checkpoint is too large to copy for training (a 7B model on one GPU has no room for a
second), so ``trainable`` places the adapters on the loaded network itself, frozen, for the
length of a ``with`` block and unloads them on exit: the very same modules come back, with their
``requires_grad`` flags and train/eval mode, and the baseline computes exactly as before. The
loss is the next-token loss of an answer under the model's own chat prompting, as the scan
prompts it; a delta is a ``peft`` adapter folder, loadable by ``peft.PeftModel.from_pretrained``
and written alone by ``vlmtrust export --adapter-only``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import torch
from PIL import Image

from vlmtrust.core.capabilities import Lora
from vlmtrust.core.errors import CapabilityError
from vlmtrust.models.base import NotADualEncoder

if TYPE_CHECKING:
    from vlmtrust.models.base import ModelHandle
    from vlmtrust.models.hf_processors import ChatPrompter

#: the folder of a trainer's artifact that holds the adapter
ADAPTER_DIR = "adapter"
DECODER_ROLES = frozenset({"decoder"})


class AnswerRow(Protocol):
    """What ``answer_loss`` reads of a row (``vlmtrust.data.instructions.Example`` fits)."""

    @property
    def image(self) -> Image.Image | None: ...

    @property
    def prompt(self) -> str: ...

    @property
    def answer(self) -> str: ...


class GeneratorTuning(NotADualEncoder):
    """The ``Tunable`` members of :class:`~vlmtrust.models.hf_generator.HFGenerator`."""

    handle: ModelHandle
    _model: Any
    _tokenizer: Any
    _prompter: ChatPrompter
    _prompt_ids: dict[str, torch.Tensor]
    _device: torch.device
    #: processor outputs on the model's device, floating ones in its dtype
    _on_device: Callable[[Any], dict[str, Any]]

    def tunable_roles(self) -> frozenset[str]:
        return DECODER_ROLES

    def module(self, role: str) -> torch.nn.Module:
        """The whole network: LoRA's ``target_modules`` pick the layers inside it by name."""
        if role not in DECODER_ROLES:
            raise CapabilityError(
                f"model {self.handle.name} offers no {role!r} to tune",
                "it offers: decoder",
            )
        network: torch.nn.Module = self._model
        return network

    @contextmanager
    def trainable(self, role: str, lora: Lora | None = None) -> Iterator[torch.nn.Module]:
        """A ``peft`` model over the network itself (never a copy), only the adapters
        trainable; unloaded on exit, whatever happens inside."""
        import peft

        network = self.module(role)
        lora = lora or Lora()
        grads = {name: p.requires_grad for name, p in network.named_parameters()}
        training = network.training
        config = peft.LoraConfig(
            r=lora.rank,
            lora_alpha=lora.alpha,
            lora_dropout=0.0,
            target_modules=list(lora.target_modules),
        )
        try:
            tuned = peft.get_peft_model(network, config)
        except ValueError as err:  # peft: "Target modules {...} not found in the base model"
            raise CapabilityError(
                f"cannot place LoRA adapters on {self.handle.name}: {err}",
                "set target_modules= to linear layer names of this model (e.g. q_proj,v_proj)",
            ) from err
        try:
            yield tuned
        finally:
            restored = tuned.unload()
            assert restored is network, "peft unloaded into another module"
            for name, param in network.named_parameters():
                param.requires_grad_(grads[name])
            network.train(training)

    def answer_loss(
        self, tuned: Mapping[str, torch.nn.Module], examples: Sequence[Any]
    ) -> Callable[[torch.Tensor], torch.Tensor]:
        """Mean next-token loss per answer token of the rows picked, under the ``tuned``
        network. Rows are prompted when picked (the processor is cheap next to the forward)."""
        network = tuned["decoder"]

        def loss_of(rows: torch.Tensor) -> torch.Tensor:
            batch = [examples[int(i)] for i in rows]
            logp, tokens = answer_logprobs(self, batch, network)
            return -(logp.sum() / tokens.sum().clamp(min=1))

        return loss_of

    def save_delta(self, out: Path, tuned: Mapping[str, torch.nn.Module]) -> None:
        """The adapter folder (``adapter_config.json`` + weights), saved inside ``trainable``."""
        for role in tuned:
            self.module(role)  # an unknown role fails here, not silently
        network: Any = tuned["decoder"]
        if not hasattr(network, "peft_config"):
            raise CapabilityError(
                f"{self.handle.name} saves LoRA adapters, and the decoder given holds none",
                "tune the module that trainable() hands out, and save it inside its block",
            )
        network.save_pretrained(str(out / ADAPTER_DIR))

    def load_delta(self, artifact: Path) -> Any:
        """A shallow copy whose network is a deep copy of the base with the adapter in place
        (the base generator stays untouched: the baseline variant keeps using it). The copy
        costs the base's memory once more; the runner loads a fresh base per variant
        (``runner.executor.ModelCache``), so sharing it is possible but not yet safe for a
        caller that keeps using the base."""
        import peft

        tuned = copy.copy(self)
        network = peft.PeftModel.from_pretrained(
            copy.deepcopy(self._model), artifact / ADAPTER_DIR, is_trainable=False
        )
        tuned._model = network.eval()
        tuned._prompt_ids = {}
        return tuned


def answer_logprobs(
    model: GeneratorTuning, examples: Sequence[AnswerRow], network: Any = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """(log-probability of each example's answer then EOS, answer token counts) under the
    generator's chat template; gradients flow when ``network`` (default: the generator's own)
    has trainable weights. Rows with and without an image are prompted apart (a processor wants
    the same number of images in every conversation of a call)."""
    logps: list[torch.Tensor | None] = [None] * len(examples)
    counts: list[torch.Tensor | None] = [None] * len(examples)
    for with_image in (True, False):
        rows = [i for i, e in enumerate(examples) if (e.image is not None) == with_image]
        if rows:
            logp, tokens = _answer_logprobs(model, [examples[i] for i in rows], network)
            for k, i in enumerate(rows):
                logps[i], counts[i] = logp[k], tokens[k]
    return torch.stack([x for x in logps if x is not None]), torch.stack(
        [x for x in counts if x is not None]
    )


def _answer_logprobs(
    model: GeneratorTuning, examples: Sequence[AnswerRow], network: Any
) -> tuple[torch.Tensor, torch.Tensor]:
    """The answer is appended as token ids after the templated prompt, as generation would
    produce it, and the batch is right-padded so positions start at 0."""
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
    device = model._device
    ids, attention = input_ids.to(device), attention.to(device)
    logits = network(input_ids=ids, attention_mask=attention, **model._on_device(extra)).logits
    logp = logits[:, :-1].float().log_softmax(-1)
    target = labels[:, 1:].to(device)
    picked = logp.gather(-1, target.clamp(min=0)[..., None])[..., 0]
    counted = target != -100
    return (picked * counted).sum(dim=1).cpu(), counted.sum(dim=1).cpu()
