"""Guard models run locally from ``hf:DIR``: Llama Guard 3 (8B and 1B text, 11B-Vision), Llama
Guard 4 and ShieldGemma 2, each loaded with the transformers class its checkpoint is saved as.

Not an ``hf:`` Generator: Llama Guard 3 text checkpoints are text-only causal LMs (which ``hf:``
refuses), ShieldGemma 2 is an image classifier, and a guard's prompt is the full rendered
template (it carries its own ``<|begin_of_text|>``), tokenised without adding special tokens.

Which Llama Guard 3 format a checkpoint takes is read off its own chat template: it must render
exactly what :func:`guard_formats.llama_guard_prompt` builds (the 8B format with string turns, or
the 1B / 11B-Vision format with content parts); a checkpoint whose template renders anything
else is refused at load, so a judge never runs on a prompt we did not check. Llama Guard 4
(``llama4``) is prompted through its own template (its format is not reproduced here).
Decoding is greedy, ``max_new_tokens`` (default 32) tokens at most.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import torch
from PIL import Image

from vlmtrust.core.errors import ConfigError, ModelLoadError
from vlmtrust.models.base import parse_query_options
from vlmtrust.models.placement import Accelerators, Placement, resolve_placement
from vlmtrust.scorers.guard_formats import (
    LLAMA_GUARD_3_CATEGORIES,
    LLAMA_GUARD_3_VISION_CATEGORIES,
    SHIELDGEMMA2_POLICIES,
    llama_guard_messages,
    llama_guard_prompt,
)

MAX_NEW_TOKENS = 32
#: the probe conversation a checkpoint's template is checked on
_PROBE = ("probe request", "probe answer")
_PLACEMENT_KEYS = ("device", "dtype", "device_map", "batch_size")


@dataclass(frozen=True)
class LocalSpec:
    """``hf:DIR?options`` of a guard checkpoint."""

    path: Path
    placement: Placement
    max_new_tokens: int
    config: dict[str, Any]

    @property
    def model_type(self) -> str:
        return str(self.config.get("model_type") or "")


def local_spec(spec: str) -> LocalSpec:
    """Parse and check ``hf:DIR?device=..&dtype=..&max_new_tokens=N``; no weights are read."""
    if not spec.startswith("hf:"):
        raise ConfigError(f"{spec} is not an hf: spec", "write hf:/path/to/checkpoint")
    directory, _, query = spec.removeprefix("hf:").partition("?")
    path = Path(directory).expanduser()
    config_file = path / "config.json"
    if not config_file.is_file():
        raise ModelLoadError(
            f"guard model {path} has no config.json", "pass the directory save_pretrained wrote"
        )
    params = parse_query_options(query, spec, "hf:DIR?device=cuda&max_new_tokens=32")
    unknown = set(params) - {*_PLACEMENT_KEYS, "max_new_tokens"}
    if unknown:
        raise ConfigError(
            f"unknown option(s) {', '.join(sorted(unknown))} in {spec}",
            "a guard model takes device, dtype, device_map, batch_size and max_new_tokens",
        )
    placed = {k: v for k, v in params.items() if k in _PLACEMENT_KEYS}
    placement = resolve_placement(placed, spec, Accelerators.detect())
    try:
        tokens = int(params.get("max_new_tokens", MAX_NEW_TOKENS))
    except ValueError as err:
        raise ConfigError(f"max_new_tokens in {spec} is not a number", "write N") from err
    config = json.loads(config_file.read_text(encoding="utf-8"))
    return LocalSpec(path.resolve(), placement, tokens, config)


def _processor(path: Path) -> Any:
    from transformers import AutoProcessor

    load: Any = AutoProcessor.from_pretrained
    return load(path)


def _load(cls: Any, path: Path, placement: Placement) -> Any:
    from vlmtrust.models.hf import from_pretrained

    try:
        return from_pretrained(cls.from_pretrained, path, placement)
    except Exception as err:  # safetensors, tokenizers and torch each raise their own
        raise ModelLoadError(
            f"cannot load guard model {path}: {err}", "check the checkpoint is complete"
        ) from err


class HFLlamaGuard:
    """A Llama Guard checkpoint answering rendered prompts greedily."""

    def __init__(self, spec: LocalSpec) -> None:
        import transformers

        self.spec = spec
        kind = spec.model_type
        if kind == "llama":
            self._tokenizer = transformers.AutoTokenizer.from_pretrained(spec.path)
            self._processor: Any = None
            model_class: Any = transformers.AutoModelForCausalLM
        elif kind in ("mllama", "llama4"):
            self._processor = _processor(spec.path)
            self._tokenizer = self._processor.tokenizer
            model_class = (
                transformers.MllamaForConditionalGeneration
                if kind == "mllama"
                else transformers.Llama4ForConditionalGeneration
            )
        else:
            raise ModelLoadError(
                f"{spec.path} is a {kind!r} checkpoint, not Llama Guard (llama, mllama, llama4)",
                "point llama_guard at a Llama Guard 3 or 4 checkpoint",
            )
        self.format = self._format() if kind != "llama4" else "own_template"
        self.takes_images = kind != "llama"
        self.codes = tuple(
            c
            for c, _ in (
                LLAMA_GUARD_3_VISION_CATEGORIES
                if self.format == "llama_guard_3_vision"
                else LLAMA_GUARD_3_CATEGORIES
            )
        )
        self._model = _load(model_class, spec.path, spec.placement)
        self._tokenizer.padding_side = "left"
        if self._tokenizer.pad_token_id is None:
            self._tokenizer.pad_token = self._tokenizer.eos_token

    def _render(self, messages: list[dict[str, Any]]) -> str:
        owner = self._processor if self._processor is not None else self._tokenizer
        return str(owner.apply_chat_template(messages, tokenize=False, excluded_category_keys=[]))

    def _format(self) -> str:
        """The documented format this checkpoint's own template renders, checked on a probe."""
        rendered: list[str] = []
        for turns in (_PROBE[:1], _PROBE):
            plain = [{"role": ("user", "assistant")[i], "content": t} for i, t in enumerate(turns)]
            for fmt, messages in (
                ("llama_guard_3", plain),
                ("llama_guard_3_vision", llama_guard_messages(turns)),
            ):
                try:
                    text = self._render(messages)
                except Exception as err:  # jinja raises on the other format's messages
                    rendered.append(f"{type(err).__name__}: {err}")
                    continue
                if text == llama_guard_prompt(turns, fmt):  # type: ignore[arg-type]
                    rendered.append(fmt)
                else:
                    rendered.append(text[:80])
        for fmt in ("llama_guard_3", "llama_guard_3_vision"):
            if rendered.count(fmt) == 2:
                return fmt
        raise ModelLoadError(
            f"{self.spec.path}'s chat template does not render the documented Llama Guard 3 "
            f"prompt (got {rendered[0]!r})",
            "use an unmodified Llama Guard 3 checkpoint (its chat template is the format)",
        )

    def prompt(self, turns: Sequence[str], image: bool) -> str:
        """The exact prompt sent for ``turns`` (the checkpoint's format, checked at load)."""
        if self.format == "own_template":
            return self._render(llama_guard_messages(turns, image))
        return llama_guard_prompt(turns, self.format, image)  # type: ignore[arg-type]

    def answers(
        self, turns: Sequence[Sequence[str]], images: Sequence[Image.Image | None]
    ) -> list[str]:
        """The raw answer per conversation, greedy; images only where the model takes them."""
        out = [""] * len(turns)
        rows = list(range(len(turns)))
        text_rows = [i for i in rows if images[i] is None or not self.takes_images]
        for i in [i for i in rows if i not in set(text_rows)]:
            out[i] = self._generate([self.prompt(turns[i], True)], [images[i]])[0]
        if text_rows:
            prompts = [self.prompt(turns[i], False) for i in text_rows]
            batch = self.spec.placement.batch_size or 8
            for start in range(0, len(prompts), batch):
                chunk = text_rows[start : start + batch]
                answers = self._generate(prompts[start : start + batch], [None] * len(chunk))
                for i, answer in zip(chunk, answers, strict=True):
                    out[i] = answer
        return out

    def _generate(self, prompts: list[str], images: list[Image.Image | None]) -> list[str]:
        if self._processor is not None and images[0] is not None:
            inputs = self._processor(
                images=[[images[0].convert("RGB")]],
                text=prompts,
                add_special_tokens=False,
                return_tensors="pt",
            )
        else:
            inputs = self._tokenizer(
                prompts, add_special_tokens=False, padding=True, return_tensors="pt"
            )
        inputs = {k: v.to(self.spec.placement.device) for k, v in inputs.items()}
        floating = {k for k, v in inputs.items() if torch.is_floating_point(v)}
        for key in floating:
            inputs[key] = inputs[key].to(self.spec.placement.torch_dtype)
        with torch.inference_mode():
            out = self._model.generate(
                **inputs,
                do_sample=False,
                max_new_tokens=self.spec.max_new_tokens,
                pad_token_id=self._tokenizer.pad_token_id,
            )
        new = out[:, inputs["input_ids"].shape[1] :].cpu()
        return [str(t) for t in self._tokenizer.batch_decode(new, skip_special_tokens=True)]


class HFShieldGemma2:
    """ShieldGemma 2: P(Yes) per (image, policy) from its Yes/No token logits."""

    def __init__(self, spec: LocalSpec) -> None:
        import transformers

        if spec.model_type != "shieldgemma2":
            raise ModelLoadError(
                f"{spec.path} is a {spec.model_type!r} checkpoint, not ShieldGemma 2",
                "point shieldgemma2 at a ShieldGemma 2 checkpoint (model_type shieldgemma2)",
            )
        self.spec = spec
        self._processor = _processor(spec.path)
        self._model = _load(
            transformers.ShieldGemma2ForImageClassification, spec.path, spec.placement
        )
        tokens = self._processor.tokenizer.convert_ids_to_tokens(
            [self._model.yes_token_index, self._model.no_token_index]
        )
        if [str(t).lstrip("\u2581") for t in tokens] != ["Yes", "No"]:
            raise ModelLoadError(
                f"{spec.path}: the Yes/No token indices point at {tokens}",
                "set yes_token_index / no_token_index in config.json to the Yes and No tokens",
            )
        self.policies: dict[str, str] = dict(
            getattr(self._processor, "policy_definitions", None) or SHIELDGEMMA2_POLICIES
        )

    def yes_probabilities(self, image: Image.Image) -> dict[str, float]:
        """P(Yes) (the image violates the policy) for every policy of the processor."""
        names = list(self.policies)
        inputs = self._processor(images=[image.convert("RGB")], policies=names, return_tensors="pt")
        inputs = {k: v.to(self.spec.placement.device) for k, v in inputs.items()}
        if "pixel_values" in inputs:
            inputs["pixel_values"] = inputs["pixel_values"].to(self.spec.placement.torch_dtype)
        with torch.inference_mode():
            probabilities = self._model(**inputs).probabilities.float().cpu()
        # column 0 is Yes: transformers' docstring slicing [:, 1] would read No
        return {name: float(p) for name, p in zip(names, probabilities[:, 0], strict=True)}


@cache
def llama_guard(spec: str) -> HFLlamaGuard:
    """One loaded Llama Guard per spec and process."""
    return HFLlamaGuard(local_spec(spec))


@cache
def shieldgemma2(spec: str) -> HFShieldGemma2:
    """One loaded ShieldGemma 2 per spec and process."""
    return HFShieldGemma2(local_spec(spec))
