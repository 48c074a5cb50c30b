"""``hf:DIR`` for image-text-to-text checkpoints (LLaVA, LLaVA-NeXT, Idefics3, PaliGemma, ...):
a Generator loaded with ``AutoModelForImageTextToText`` + ``AutoProcessor``.

Which checkpoints qualify is transformers' own table (``MODEL_FOR_IMAGE_TEXT_TO_TEXT``), so a
family transformers adds needs no change here. Prompts go through the checkpoint's chat template;
decoding is greedy (reproducible: no sampling, whatever ``generation_config.json`` says);
prompts are left-padded so a batch decodes together. Image processors run on their PIL variant
(transformers picks it when torchvision is absent).

Differentiable only where the processor's preprocessing is a resize, crop and normalise we can
reproduce in torch (LLaVA with a CLIP or SigLIP image processor): then ``to_pixels`` gives [0, 1]
pixels at the tower's size and ``pixel_logits`` scores answers as a differentiable function of
them, like ``zoo:assistant``. Tiling and patchifying processors (LLaVA-NeXT, Idefics3,
Qwen2-VL, ...) are Generator only.
Processors with a video part (Qwen2-VL, SmolVLM, LLaVA-OneVision) are built without it
(:mod:`vlmtrust.models.hf_processors`): its classes need torchvision, never installed here.

Tunable everywhere: trainers tune the decoder as LoRA adapters on the frozen base
(:mod:`vlmtrust.models.hf_generator_tuning`).

Device, dtype and batch size are the shared ``hf:`` options (:mod:`vlmtrust.models.placement`):
processor outputs go to the model's device (floating ones in its dtype), answers and scores come
back on the CPU / the caller's pixel device as float32.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from PIL import Image
from pydantic import Field

from vlmtrust.core.chat import (
    Conversation,
    GenerationOptions,
    chat_by_flattening,
    check_conversation,
    image_count,
    until_stop,
)
from vlmtrust.core.errors import CapabilityError, ModelLoadError
from vlmtrust.core.spec import Params, Spec, canonical_json, sha256_hex, validate_params
from vlmtrust.models.base import ModelAdapter, ModelHandle
from vlmtrust.models.batching import BatchSizer
from vlmtrust.models.hf import (
    Preprocess,
    checkpoint_fingerprint,
    from_pretrained,
    handle_placement,
    require_weights_and_tokenizer,
)
from vlmtrust.models.hf_generator_tuning import DECODER_ROLES, GeneratorTuning
from vlmtrust.models.hf_processors import (
    ChatPrompter,
    chat_messages,
    formats_prompts_itself,
    load_processor,
)
from vlmtrust.models.placement import Placement

GENERATOR = frozenset({"Generator", "Tunable"})
DIFFERENTIABLE_GENERATOR = frozenset({"Generator", "Differentiable", "Tunable"})

#: model types whose vision input is one (batch, 3, H, W) tensor at the tower's image size
PIXEL_MODEL_TYPES = frozenset({"llava"})
#: image processors that only resize (shorter side + centre crop, or squash) and normalise
PIXEL_PROCESSORS = frozenset(
    {
        "CLIPImageProcessor",
        "CLIPImageProcessorPil",
        "SiglipImageProcessor",
        "SiglipImageProcessorPil",
    }
)
_CHAT_TEMPLATE_FILES = ("chat_template.jinja", "chat_template.json")
EXAMPLES = "LLaVA, Qwen2-VL, SmolVLM, LLaVA-OneVision"


class GeneratorOptions(Params):
    """``hf:DIR?max_new_tokens=N``: options that change what a generative checkpoint answers."""

    max_new_tokens: int = Field(default=64, ge=1, le=4096)


def image_text_to_text_types() -> frozenset[str]:
    from transformers.models.auto.modeling_auto import MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES

    return frozenset(MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES)


def causal_lm_types() -> frozenset[str]:
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    return frozenset(MODEL_FOR_CAUSAL_LM_MAPPING_NAMES)


def is_generative(model_type: str | None, config: dict[str, Any]) -> bool:
    """An image-text-to-text checkpoint: its model type is in transformers' table and it is not
    saved as a text-only ``*ForCausalLM`` (Gemma 3 shares one type between both)."""
    if model_type is None or model_type not in image_text_to_text_types():
        return False
    return not _text_only_architectures(config)


def text_only_problem(path: Path, model_type: str | None, config: dict[str, Any]) -> str | None:
    """Why a checkpoint is a text-only language model, or None when it is not one: saved as a
    ``*ForCausalLM``/``*LMHeadModel``, or (no architectures recorded) of a causal-LM type."""
    architectures = config.get("architectures") or []
    causal = _text_only_architectures(config)
    if not architectures and "vision_config" not in config:
        causal = model_type in causal_lm_types()
    if causal:
        return (
            f"model {path} is a text-only language model (model_type {model_type!r}) and cannot "
            "take images"
        )
    return None


def _text_only_architectures(config: dict[str, Any]) -> bool:
    architectures = config.get("architectures") or []
    return bool(architectures) and all(
        str(a).endswith(("ForCausalLM", "LMHeadModel")) for a in architectures
    )


def validate_options(params: dict[str, str]) -> GeneratorOptions:
    """The spec's options other than placement ones -> validated options; one-line errors."""
    return validate_params(GeneratorOptions, Spec(name="hf", params=params))


def resolve_generator(
    target: str,
    path: Path,
    model_type: str,
    config: dict[str, Any],
    options: GeneratorOptions,
    placement: Placement,
) -> ModelHandle:
    """Check the files a generative checkpoint needs, cheaply; weights are not loaded."""
    require_weights_and_tokenizer(path)
    processor_config = _image_processor_config(path)
    templated = _has_chat_template(path)
    if not templated and not formats_prompts_itself(path, model_type):
        raise ModelLoadError(
            f"model {path} has no chat template and its processor does not format prompts "
            "itself, so prompts cannot be formatted for it",
            "save one beside the model (processor.chat_template = ...; "
            "processor.save_pretrained(DIR)) or use a chat/instruct checkpoint",
        )
    differentiable = (
        model_type in PIXEL_MODEL_TYPES
        and processor_config.get("image_processor_type") in PIXEL_PROCESSORS
        and "vision_config" in config
    )
    fingerprint = sha256_hex(
        checkpoint_fingerprint(path), canonical_json(options.model_dump(mode="json"))
    )
    fingerprint = placement.fingerprint(fingerprint)
    return ModelHandle(
        spec=f"hf:{target}",
        kind="hf",
        name=f"hf:{path.resolve().name}",
        fingerprint=fingerprint,
        capabilities=DIFFERENTIABLE_GENERATOR if differentiable else GENERATOR,
        tunable_roles=DECODER_ROLES,
        options={
            "path": str(path.resolve()),
            "model_type": model_type,
            "generative": True,
            "placement": placement.model_dump(),
            **({} if templated else {"prompt_format": "processor", "text_only": "blank image"}),
            **options.model_dump(),
        },
        caveats=() if templated else NO_TEMPLATE_CAVEATS,
    )


#: what a checkpoint without a chat template (PaliGemma) is run with, as every report says
NO_TEMPLATE_CAVEATS = (
    "no chat template: the processor formats each prompt, and a text-only prompt is sent "
    "with a blank white image (the model cannot take none)",
)


def _image_processor_config(path: Path) -> dict[str, Any]:
    """The image processor's settings: preprocessor_config.json (older checkpoints) or the
    ``image_processor`` entry of processor_config.json (what transformers 5 writes)."""
    for name, key in (
        ("preprocessor_config.json", None),
        ("processor_config.json", "image_processor"),
    ):
        file = path / name
        if not file.is_file():
            continue
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ModelLoadError(
                f"{file} is not valid JSON ({err})", "restore the checkpoint's processor files"
            ) from err
        found = data.get(key) if key and isinstance(data, dict) else data
        if isinstance(found, dict):
            return found
    raise ModelLoadError(
        f"model {path} has no image processor (preprocessor_config.json or processor_config.json)",
        "save the processor beside the model (AutoProcessor...save_pretrained(DIR))",
    )


def _has_chat_template(path: Path) -> bool:
    if any((path / name).is_file() for name in _CHAT_TEMPLATE_FILES):
        return True
    for name in ("processor_config.json", "tokenizer_config.json"):
        file = path / name
        if file.is_file():
            try:
                data = json.loads(file.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue
            if isinstance(data, dict) and data.get("chat_template"):
                return True
    return False


def load_generator(handle: ModelHandle) -> HFGenerator:
    import transformers

    path = Path(handle.options["path"])
    placement = handle_placement(handle)
    try:
        processor = load_processor(path, handle.options.get("model_type"))
        model = from_pretrained(
            transformers.AutoModelForImageTextToText.from_pretrained, path, placement
        )
    except Exception as err:  # safetensors, tokenizers, jinja and torch each raise their own
        raise ModelLoadError(
            f"cannot load {handle.spec}: {err}",
            "check the directory holds a complete checkpoint (weights, processor, tokenizer)",
        ) from err
    if getattr(processor, "image_processor", None) is None:
        raise ModelLoadError(
            f"{handle.spec} loaded a processor without an image processor",
            "save the model's full processor (AutoProcessor) beside it",
        )
    return HFGenerator(handle, model, processor, placement)


class HFGenerator(GeneratorTuning, ModelAdapter):
    """A local image-text-to-text model as Generator (and Differentiable when declared);
    Tunable: its decoder as LoRA adapters (:mod:`vlmtrust.models.hf_generator_tuning`)."""

    def __init__(
        self, handle: ModelHandle, model: Any, processor: Any, placement: Placement | None = None
    ) -> None:
        super().__init__(handle)
        self._model = model
        placement = placement or Placement()
        self._device = torch.device(model.device)  # where inputs go (see HFDualEncoder)
        self._dtype = placement.torch_dtype
        self._batches = BatchSizer(placement.batch_size, f"{handle.name} (generate)")
        self._processor = processor
        self._tokenizer = processor.tokenizer
        self._tokenizer.padding_side = "left"  # answers then start together at the right edge
        if self._tokenizer.pad_token_id is None:
            self._tokenizer.pad_token = self._tokenizer.eos_token
        self.max_new_tokens = int(handle.options["max_new_tokens"])
        self._generation = _greedy_config(model, self._tokenizer, self.max_new_tokens)
        self._preprocess: Preprocess | None = None
        if "Differentiable" in handle.capabilities:
            self._preprocess = _pixel_preprocess(processor.image_processor, model.config)
        self._prompt_ids: dict[str, torch.Tensor] = {}
        self._prompter = ChatPrompter(processor)

    def generate(self, images: Sequence[Image.Image | None], prompts: Sequence[str]) -> list[str]:
        """Greedy answers in input order; image and text-only prompts run as separate batches
        (a processor expects the same number of images in every conversation), each split
        further only when it does not fit in memory (``batch_size``)."""
        self._count()
        if len(images) != len(prompts):
            raise ValueError(f"{len(images)} images for {len(prompts)} prompts")
        answers = [""] * len(prompts)
        for with_image in (True, False):
            rows = [i for i, image in enumerate(images) if (image is not None) == with_image]
            if rows:
                texts = self._generate_batched(
                    [images[i] for i in rows], [prompts[i] for i in rows]
                )
                for i, text in zip(rows, texts, strict=True):
                    answers[i] = text
        return answers

    def chat(self, conversations: Sequence[Conversation], options: GenerationOptions) -> list[str]:
        """Answers in input order, each conversation through the checkpoint's chat template
        (every turn, every image); conversations with the same number of images share a batch
        (a processor expects as many in each). Greedy at temperature 0; a sampled answer is
        drawn one conversation at a time from ``options.seed``, so it does not depend on the
        batch it ran in. A processor without a chat template gets them flattened."""
        self._count()
        for conversation in conversations:
            check_conversation(conversation)
        if not self._prompter.takes_turns:
            return chat_by_flattening(self._generate_plain, conversations, options)
        config = _decoding(self._generation, options)
        answers = [""] * len(conversations)
        counts = [image_count(c) for c in conversations]
        for count in sorted(set(counts)):
            rows = [i for i, n in enumerate(counts) if n == count]
            step = len(rows) if options.temperature == 0 else 1
            for start in range(0, len(rows), step):
                part = rows[start : start + step]
                texts = self._chat_batched([conversations[i] for i in part], config, options)
                for i, text in zip(part, texts, strict=True):
                    answers[i] = until_stop(text, options.stop)
        return answers

    def _generate_plain(
        self, images: Sequence[Image.Image | None], prompts: Sequence[str]
    ) -> list[str]:
        return self._generate_batched(images, prompts)

    def _chat_batched(
        self, conversations: Sequence[Conversation], config: Any, options: GenerationOptions
    ) -> list[str]:
        def run(rows: slice) -> list[str]:
            if options.temperature > 0:
                torch.manual_seed(options.seed)
            chats = [chat_messages(c) for c in conversations[rows]]
            return self._decode(self._prompter.conversation_inputs(chats), config)

        return [text for part in self._batches.run(len(conversations), run) for text in part]

    def _generate_batched(
        self, images: Sequence[Image.Image | None], prompts: Sequence[str]
    ) -> list[str]:
        parts = self._batches.run(
            len(prompts), lambda rows: self._generate(images[rows], prompts[rows])
        )
        return [text for part in parts for text in part]

    def _generate(self, images: Sequence[Image.Image | None], prompts: Sequence[str]) -> list[str]:
        """Control tokens written in a prompt (``<image>``, ``<eos>``, role markers) are encoded
        as plain text: a prompt is data, and a stray placeholder would break the batch."""
        return self._decode(self._prompter.inputs(list(images), list(prompts)), self._generation)

    def _decode(self, inputs: Any, config: Any) -> list[str]:
        """The new text ``model.generate`` writes after each row of ``inputs``."""
        with torch.inference_mode():
            out = self._model.generate(**self._on_device(inputs), generation_config=config)
        new_tokens = out[:, inputs["input_ids"].shape[1] :].cpu()
        decoded = self._tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
        return [str(text).strip() for text in decoded]

    def to_pixels(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """[0, 1] pixels at the vision tower's size (resized and cropped as the processor does)."""
        self._count()
        return self._require_pixels().pixels(images)

    def pixel_logits(
        self, pixels: torch.Tensor, labels: Sequence[str], prompt: str = "describe the image."
    ) -> torch.Tensor:
        """(images, labels): total log-probability of answering ``prompt`` about each image
        with each label (then EOS), differentiable in ``pixels`` for targeted gradient attacks."""
        self._count()
        preprocess = self._require_pixels()
        mean = torch.tensor(preprocess.mean, device=self._device).view(1, 3, 1, 1)
        std = torch.tensor(preprocess.std, device=self._device).view(1, 3, 1, 1)
        normalised = ((pixels.to(self._device, torch.float32) - mean) / std).to(self._dtype)
        asked = self._prompt_tokens(prompt).to(self._device)
        eos = self._tokenizer.eos_token_id
        columns = []
        for label in labels:
            answer = list(self._tokenizer(label, add_special_tokens=False)["input_ids"])
            answer_ids = torch.tensor(
                [answer + ([eos] if eos is not None else [])], device=asked.device
            )
            ids = torch.cat([asked, answer_ids], dim=1).expand(len(pixels), -1)
            logits = self._model(
                input_ids=ids, pixel_values=normalised, attention_mask=torch.ones_like(ids)
            ).logits
            start = asked.shape[1]
            logp = logits[:, start - 1 : -1].float().log_softmax(-1)
            columns.append(logp.gather(-1, ids[:, start:, None]).sum(dim=(1, 2)))
        if not columns:
            return torch.empty((len(pixels), 0), device=pixels.device)
        return torch.stack(columns, dim=1).to(pixels.device)

    def _on_device(self, inputs: Any) -> dict[str, Any]:
        """Processor outputs on the model's device, floating ones (pixels) in its dtype."""
        moved: dict[str, Any] = {}
        for name, value in inputs.items():
            if isinstance(value, torch.Tensor):
                dtype = self._dtype if value.is_floating_point() else value.dtype
                value = value.to(self._device, dtype)
            moved[name] = value
        return moved

    def _prompt_tokens(self, prompt: str) -> torch.Tensor:
        """(1, T) ids of the templated prompt, image placeholders expanded as the processor does
        (the expansion depends on the tower's input size only, so a blank image stands in)."""
        if prompt not in self._prompt_ids:
            size = self._require_pixels().size
            blank = Image.new("RGB", (size, size))
            inputs = self._prompter.inputs([blank], [prompt], padding=False)
            self._prompt_ids[prompt] = inputs["input_ids"]
        return self._prompt_ids[prompt]

    def _require_pixels(self) -> Preprocess:
        if self._preprocess is None:
            raise CapabilityError(
                f"model {self.handle.name} is not Differentiable: its image processor cannot be "
                "reproduced in torch",
                "use a LLaVA-style checkpoint with a CLIP/SigLIP image processor for gradients",
            )
        return self._preprocess


def _greedy_config(model: Any, tokenizer: Any, max_new_tokens: int) -> Any:
    """The checkpoint's generation config with sampling switched off: a scan must reproduce."""
    config = copy.deepcopy(model.generation_config)
    config.do_sample = False
    config.num_beams = 1
    config.temperature = None
    config.top_p = None
    config.top_k = None
    config.max_new_tokens = max_new_tokens
    config.max_length = None
    config.pad_token_id = tokenizer.pad_token_id
    return config


def _decoding(greedy: Any, options: GenerationOptions) -> Any:
    """The greedy config with ``options`` applied: a length, and sampling above temperature 0."""
    config = copy.deepcopy(greedy)
    if options.max_tokens is not None:  # the spec's max_new_tokens stays the ceiling
        config.max_new_tokens = min(options.max_tokens, int(greedy.max_new_tokens))
    if options.temperature > 0:
        config.do_sample = True
        config.temperature = options.temperature
    return config


def _pixel_preprocess(image_processor: Any, config: Any) -> Preprocess:
    """The processor's resize/crop/normalise as a :class:`Preprocess` at the tower's size."""
    return Preprocess(
        size=int(config.vision_config.image_size),
        center_crop=bool(getattr(image_processor, "do_center_crop", False)),
        mean=tuple(float(v) for v in image_processor.image_mean),
        std=tuple(float(v) for v in image_processor.image_std),
    )
