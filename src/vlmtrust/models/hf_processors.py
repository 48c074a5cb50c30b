"""Building and prompting a generative checkpoint's processor without torchvision.

transformers 5 builds every processor with a video part (Qwen2-VL, Qwen2.5-VL, Qwen3-VL, SmolVLM,
LLaVA-OneVision, InternVL, ...) through ``AutoVideoProcessor``, whose classes need torchvision,
which this project never installs. Scans send images and text only, so such a processor is
built here from the same class with its video part left out (:func:`load_processor`); the image
processor, tokenizer, chat template and processor settings still come from the checkpoint's own
files, whatever their layout. Any family works this way, not a list of known ones.

Prompts are data: control tokens a prompt writes (``<image>``, ``<|im_end|>``, ...) must reach the
model as plain text. transformers does that with ``sanitize_control_tokens``, but some processors
(Idefics3, which the first SmolVLM checkpoints use) then fail, as they read token offsets the
sanitised encoding lacks; for those, :class:`ChatPrompter` breaks each control token in the
prompt with a word joiner instead.

A checkpoint without a chat template is still usable when its processor writes the prompt format
itself from bare text and an image (PaliGemma: image tokens, BOS, the prompt, a newline):
:func:`formats_prompts_itself` probes for that, generically. Such processors need an image, so
a text-only prompt gets a blank white image of the processor's size (recorded on the model
handle and in the README: the answer is to the prompt beside a blank picture)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from vlmtrust.core.chat import Message
from vlmtrust.core.errors import CapabilityError

#: inserted after a control token's first character: it then encodes as ordinary text
WORD_JOINER = "\u2060"
#: templates that write today's date (Llama 3.x) get this one, their own default: a prompt must
#: not change with the day a scan runs
TEMPLATE_DATE = "26 Jul 2024"
_CONFIG_FILES = ("processor_config.json", "preprocessor_config.json", "tokenizer_config.json")


def processor_class_name(path: Path, model_type: str | None) -> str | None:
    """The checkpoint's processor class: what its files record, else transformers' default for
    its model type (hub repos record it in one of three files, or nowhere)."""
    for name in _CONFIG_FILES:
        file = path / name
        if not file.is_file():
            continue
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        found = data.get("processor_class") if isinstance(data, dict) else None
        if isinstance(found, str):
            return found
    if model_type is None:
        return None
    from transformers.models.auto.auto_mappings import PROCESSOR_MAPPING_NAMES

    default = PROCESSOR_MAPPING_NAMES.get(model_type)
    return default if isinstance(default, str) else None


def load_processor(path: Path, model_type: str | None) -> Any:
    """The checkpoint's processor, built as ``AutoProcessor`` would, less a video part that
    would need torchvision."""
    import transformers

    processor_type = _processor_type(processor_class_name(path, model_type))
    if processor_type is not None and _needs_video_stub(processor_type):
        stub = _no_video_processor()
        return _without_video(processor_type, type(stub)).from_pretrained(
            path, local_files_only=True, video_processor=stub
        )
    return transformers.AutoProcessor.from_pretrained(  # type: ignore[no-untyped-call]
        path, local_files_only=True
    )


def _processor_type(name: str | None) -> Any:
    import transformers

    return getattr(transformers, name, None) if name else None


def _needs_video_stub(processor_type: Any) -> bool:
    from transformers.utils.import_utils import is_torchvision_available

    return "video_processor" in processor_type.get_attributes() and not is_torchvision_available()


def _no_video_processor() -> Any:
    """Stands in for the video processor: every setting reads None, processing a video is
    refused (scans send none), and it serialises as ``{}`` (processors print themselves)."""
    from transformers.utils.hub import PushToHubMixin

    class NoVideoProcessor(PushToHubMixin):
        def __getattr__(self, name: str) -> None:
            if name.startswith("_"):
                raise AttributeError(name)
            return None

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError("videos need torchvision, which is not installed")

        def to_dict(self) -> dict[str, Any]:
            return {}

    return NoVideoProcessor()


def _without_video(processor_type: Any, stub_type: type) -> Any:
    """A subclass that takes a ``stub_type`` object as its video part: transformers checks
    that part against the video processor classes, which cannot load without torchvision."""

    def check_argument_for_proper_class(self: Any, argument_name: str, argument: Any) -> Any:
        if isinstance(argument, stub_type):
            return stub_type
        return processor_type.check_argument_for_proper_class(self, argument_name, argument)

    return type(
        processor_type.__name__,
        (processor_type,),
        {
            "check_argument_for_proper_class": check_argument_for_proper_class,
            "__module__": processor_type.__module__,
        },
    )


def formats_prompts_itself(path: Path, model_type: str | None) -> bool:
    """Whether the checkpoint's processor turns bare text and an image into its model's prompt
    format (image placeholders included) with no chat template: probed on a blank image."""
    try:
        processor = load_processor(path, model_type)
        token_id = _image_token_id(processor)
        if token_id is None:
            return False
        probe = processor(text=["x"], images=[blank_image(processor)], return_tensors="pt")
        return token_id in probe["input_ids"][0].tolist()
    except Exception:  # any processor refusing bare text (LLaVA: no <image> in it) says no
        return False


def blank_image(processor: Any) -> Image.Image:
    """White, at the image processor's size (224 px where it names none)."""
    size = getattr(getattr(processor, "image_processor", None), "size", None) or {}
    height = size.get("height") or size.get("shortest_edge") or 224
    width = size.get("width") or size.get("shortest_edge") or 224
    return Image.new("RGB", (int(width), int(height)), (255, 255, 255))


def _image_token_id(processor: Any) -> int | None:
    found = getattr(processor, "image_token_id", None)
    if isinstance(found, int):
        return found
    token = getattr(processor, "image_token", None)
    if isinstance(token, str):
        found = processor.tokenizer.convert_tokens_to_ids(token)
        return found if isinstance(found, int) else None
    return None


def chat_messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """A conversation in the processor's chat form: each message's images, then its text."""
    return [
        {
            "role": m.role,
            "content": [
                *({"type": "image", "image": image.convert("RGB")} for image in m.images),
                {"type": "text", "text": m.text},
            ],
        }
        for m in messages
    ]


def conversation(image: Image.Image | None, prompt: str) -> list[dict[str, Any]]:
    content: list[dict[str, Any]] = []
    if image is not None:
        content.append({"type": "image", "image": image.convert("RGB")})
    content.append({"type": "text", "text": prompt})
    return [{"role": "user", "content": content}]


class ChatPrompter:
    """Turns (image, prompt) rows into model inputs with the processor's chat template, control
    tokens in prompts encoded as text; without a template, the processor formats bare prompts
    itself (:func:`formats_prompts_itself`) and a blank image stands in for a missing one."""

    def __init__(self, processor: Any) -> None:
        self._processor = processor
        self._bare = not getattr(processor, "chat_template", None)
        self._sanitize = True
        self._control = _control_tokens(processor.tokenizer)
        template = getattr(processor, "chat_template", None)
        self._template_kwargs = {"date_string": TEMPLATE_DATE} if _writes_date(template) else {}

    def inputs(
        self, images: list[Image.Image | None], prompts: list[str], padding: bool = True
    ) -> Any:
        """Tensors for ``model.generate`` or a forward pass (left padding is the tokenizer's)."""
        if self._bare:
            return self._formatted(images, prompts, padding)
        if self._sanitize:
            try:
                return self._chat(images, prompts, padding, sanitize=True)
            except (ValueError, NotImplementedError):
                # offsets-reading processors (Idefics3, SmolVLM) cannot take sanitised encodings
                self._sanitize = False
        return self._chat(images, [self.neutralise(p) for p in prompts], padding, sanitize=False)

    @property
    def takes_turns(self) -> bool:
        """Whether the processor has a chat template (else it formats one bare prompt)."""
        return not self._bare

    def conversation_inputs(
        self, conversations: list[list[dict[str, Any]]], padding: bool = True
    ) -> Any:
        """Tensors for whole chat conversations (``chat_messages``), sanitised as ``inputs``;
        a processor without a chat template has no way to show turns: a CapabilityError."""
        if self._bare:
            raise CapabilityError(
                "this checkpoint's processor has no chat template, so it cannot take turns",
                "save the processor with its chat_template.json, or send one user message",
            )
        if self._sanitize:
            try:
                return self._apply(conversations, padding, sanitize=True)
            except (ValueError, NotImplementedError):
                self._sanitize = False
        return self._apply([self._neutralised(c) for c in conversations], padding, sanitize=False)

    def _neutralised(self, conversation: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            m
            | {
                "content": [
                    part | {"text": self.neutralise(part["text"])} if "text" in part else part
                    for part in m["content"]
                ]
            }
            for m in conversation
        ]

    def neutralise(self, text: str) -> str:
        """``text`` with a word joiner after each control token's first character."""
        for token in self._control:
            if token in text:
                text = text.replace(token, token[0] + WORD_JOINER + token[1:])
        return text

    def _chat(
        self, images: list[Image.Image | None], prompts: list[str], padding: bool, sanitize: bool
    ) -> Any:
        conversations = [conversation(i, p) for i, p in zip(images, prompts, strict=True)]
        return self._apply(conversations, padding, sanitize)

    def _apply(
        self, conversations: list[list[dict[str, Any]]], padding: bool, sanitize: bool
    ) -> Any:
        return self._processor.apply_chat_template(
            conversations,
            add_generation_prompt=True,
            tokenize=True,
            return_dict=True,
            return_tensors="pt",
            processor_kwargs={"padding": padding},
            sanitize_control_tokens=sanitize,
            **self._template_kwargs,
        )

    def _formatted(
        self, images: list[Image.Image | None], prompts: list[str], padding: bool
    ) -> Any:
        """The processor's own prompt format: a raw call has no sanitising, so control tokens
        are broken with a word joiner."""
        blank = blank_image(self._processor)
        pictures = [blank if i is None else i.convert("RGB") for i in images]
        return self._processor(
            text=[self.neutralise(p) for p in prompts],
            images=pictures,
            padding=padding,
            return_tensors="pt",
        )


def _writes_date(template: Any) -> bool:
    """Whether a chat template (or any of several named ones) reads ``date_string``."""
    texts = template.values() if isinstance(template, dict) else [template]
    return any(isinstance(text, str) and "date_string" in text for text in texts)


def _control_tokens(tokenizer: Any) -> tuple[str, ...]:
    """Every added token (special or not) longer than one character, longest first, whitespace
    tokens left out: what a prompt must not be able to write."""
    tokens = {
        str(token.content)
        for token in tokenizer.added_tokens_decoder.values()
        if len(str(token.content)) > 1 and not str(token.content).isspace()
    }
    return tuple(sorted(tokens, key=len, reverse=True))
