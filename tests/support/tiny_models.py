"""Tiny random CLIP, SigLIP and LLaVA checkpoints, built offline in well under a second.

They exercise the whole ``hf:`` path (config, tokenizer, preprocessor, safetensors) without a
download: tests and benchmarks use them (benchmarks put tests/support on ``sys.path``). The
weights are random, so they say nothing about trust; they only prove the plumbing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from transformers import CLIPConfig, CLIPModel, PreTrainedTokenizerFast, SiglipConfig, SiglipModel

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
# CLIP pools the text at the first EOS, except for the legacy eos id 2, where it takes the argmax
# token id instead; this order puts EOS at id 3 so the modern path is used.
SPECIAL_TOKENS = (PAD, UNK, BOS, EOS)

# Words of world-scene captions and prompts; anything else falls back to single characters.
CAPTION_WORDS_TEXT = """
a an the of and or with without in on at to is are there this that it its what which how many
photo picture image drawing rendering scene showing shown contains of some no not
one two three four five six seven eight nine ten zero
red green blue yellow orange purple pink brown black white gray grey cyan
circle circles square squares triangle triangles star stars hexagon hexagons heart hearts cross
crosses diamond diamonds ellipse rectangle shape shapes object objects
small large big tiny left right top bottom middle center near next beside above below
person people man woman figure figures group groups doctor nurse teacher chef pilot builder
engineer farmer police officer firefighter scientist artist holding wearing
background sky grass sand water wall floor indoor outdoor street room
text word words written sign says reading letters
yes no i can cannot help sorry request please describe answer question
"""
CHARACTERS = list("abcdefghijklmnopqrstuvwxyz0123456789.,!?'\"-:;()")

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)

M = TypeVar("M", CLIPModel, SiglipModel)


def _tower(width: int, layers: int) -> dict[str, Any]:
    return {
        "hidden_size": width,
        "intermediate_size": 2 * width,
        "num_hidden_layers": layers,
        "num_attention_heads": max(2, width // 32),
    }


_MAX_TOKENS = 32
_PATCH = 8


def build_tiny_tokenizer() -> PreTrainedTokenizerFast:
    """A WordPiece tokenizer over caption words, with single-character fallback for the rest.

    Unknown words split into characters (``##``-continued), so any lowercase text tokenises to
    something meaningful; BOS/EOS wrap every sequence as CLIP's pooling expects.
    """
    vocab: dict[str, int] = {}
    for token in [
        *SPECIAL_TOKENS,
        *CAPTION_WORDS_TEXT.split(),
        *CHARACTERS,
        *("##" + c for c in CHARACTERS),
    ]:
        vocab.setdefault(token, len(vocab))
    tok = Tokenizer(models.WordPiece(vocab, unk_token=UNK, continuing_subword_prefix="##"))
    tok.normalizer = normalizers.Sequence(
        [normalizers.NFD(), normalizers.StripAccents(), normalizers.Lowercase()]
    )
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A {EOS}", special_tokens=[(BOS, vocab[BOS]), (EOS, vocab[EOS])]
    )
    return PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tok,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
        unk_token=UNK,
        model_max_length=_MAX_TOKENS,
    )


def _text_config(tokenizer: PreTrainedTokenizerFast, tower: dict[str, Any]) -> dict[str, Any]:
    """The text tower's special ids must match the tokenizer's: CLIP pools at the EOS id."""
    return {
        **tower,
        "vocab_size": len(tokenizer),
        "max_position_embeddings": _MAX_TOKENS,
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
    }


def _vision_config(image_size: int, tower: dict[str, Any]) -> dict[str, Any]:
    return {**tower, "image_size": image_size, "patch_size": _PATCH}


def _save(
    path: Path,
    model: CLIPModel | SiglipModel,
    tokenizer: PreTrainedTokenizerFast,
    preprocessor: dict[str, Any],
) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    (path / "preprocessor_config.json").write_text(json.dumps(preprocessor, indent=2) + "\n")
    return path


def _seeded(seed: int, build: Callable[[], M]) -> M:
    """Build under a private RNG state so the caller's torch RNG is left untouched."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def build_tiny_clip(
    path: Path, seed: int = 0, image_size: int = 32, width: int = 32, layers: int = 2
) -> Path:
    """Save a random tiny CLIP (by default 32-d towers, 2 layers, patch 8), tokenizer and
    preprocessor. ``width``/``layers`` scale it up for benchmarks that need real compute."""
    tokenizer = build_tiny_tokenizer()
    tower = _tower(width, layers)
    config = CLIPConfig(
        text_config=_text_config(tokenizer, tower),
        vision_config=_vision_config(image_size, tower),
        projection_dim=width,
    )
    model = _seeded(seed, lambda: CLIPModel(config))
    return _save(path, model, tokenizer, clip_preprocessor(image_size))


def clip_preprocessor(image_size: int) -> dict[str, Any]:
    """CLIP's real ``preprocessor_config.json`` at ``image_size``: shorter side, centre crop,
    bicubic, CLIP's mean and std."""
    return {
        "image_processor_type": "CLIPImageProcessor",
        "do_resize": True,
        "size": {"shortest_edge": image_size},
        "resample": 3,
        "do_center_crop": True,
        "crop_size": {"height": image_size, "width": image_size},
        "do_rescale": True,
        "rescale_factor": 1 / 255,
        "do_normalize": True,
        "image_mean": list(CLIP_MEAN),
        "image_std": list(CLIP_STD),
    }


def build_tiny_siglip(path: Path, seed: int = 0, image_size: int = 32) -> Path:
    """Save a random tiny SigLIP (32-d towers, 2 layers, patch 8), tokenizer and preprocessor."""
    tokenizer = build_tiny_tokenizer()
    tower = _tower(32, 2)
    config = SiglipConfig(
        text_config=_text_config(tokenizer, tower), vision_config=_vision_config(image_size, tower)
    )
    model = _seeded(seed, lambda: SiglipModel(config))
    preprocessor = {
        "image_processor_type": "SiglipImageProcessor",
        "do_resize": True,
        "size": {"height": image_size, "width": image_size},
        "resample": 3,
        "do_rescale": True,
        "rescale_factor": 1 / 255,
        "do_normalize": True,
        "image_mean": [0.5, 0.5, 0.5],
        "image_std": [0.5, 0.5, 0.5],
    }
    return _save(path, model, tokenizer, preprocessor)


IMAGE_TOKEN = "<image>"
# A plain "role: text" chat format; it starts with the BOS token, which tells the processor the
# template already holds the special tokens (so none are added around the prompt).
TINY_CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}{{ message['role'] }}: "
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for part in message['content'] %}{% if part['type'] == 'image' %}"
    + IMAGE_TOKEN
    + " {% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}{% endfor %}{% endif %}\n"
    "{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}"
)


def build_tiny_chat_tokenizer() -> PreTrainedTokenizerFast:
    """The caption tokenizer plus the ``<image>`` placeholder and a chat template."""
    tokenizer = build_tiny_tokenizer()
    tokenizer.add_special_tokens({"additional_special_tokens": [IMAGE_TOKEN]})
    tokenizer.model_max_length = 512  # an image alone expands to (image / patch)^2 tokens
    tokenizer.chat_template = TINY_CHAT_TEMPLATE
    # Generated text is decoded: join "##" pieces back into words.
    tokenizer.backend_tokenizer.decoder = decoders.WordPiece()
    return tokenizer


def _llama_config(tokenizer: PreTrainedTokenizerFast, width: int, layers: int) -> dict[str, Any]:
    return {
        "model_type": "llama",
        "hidden_size": width,
        "intermediate_size": 2 * width,
        "num_hidden_layers": layers,
        "num_attention_heads": 2,
        "num_key_value_heads": 2,
        "vocab_size": len(tokenizer),
        "max_position_embeddings": 256,
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
    }


def build_tiny_llava(
    path: Path, seed: int = 0, image_size: int = 32, width: int = 32, layers: int = 1
) -> Path:
    """Save a random tiny LLaVA (CLIP vision tower + Llama decoder, ``width``-d, ``layers``
    layers, patch 8), its processor (PIL CLIP image processor, chat tokenizer) and template."""
    import transformers

    return _build_llava_family(
        path,
        seed,
        image_size,
        width,
        layers,
        config_type=transformers.LlavaConfig,
        model_type=transformers.LlavaForConditionalGeneration,
        processor_type=transformers.LlavaProcessor,
        image_processor=transformers.CLIPImageProcessorPil(**_clip_processing(image_size)),
        extra_config={},
    )


def build_tiny_llava_next(path: Path, seed: int = 0, image_size: int = 32) -> Path:
    """A random tiny LLaVA-NeXT: like :func:`build_tiny_llava`, but its processor tiles each
    image (a global view plus tiles on a grid of 1x1, 1x2 or 2x1 tiles), so a batch's images
    expand to different numbers of tokens and its pixels cannot be reproduced as one tensor."""
    import transformers

    grid = [[image_size, image_size], [image_size, 2 * image_size], [2 * image_size, image_size]]
    return _build_llava_family(
        path,
        seed,
        image_size,
        32,
        1,
        config_type=transformers.LlavaNextConfig,
        model_type=transformers.LlavaNextForConditionalGeneration,
        processor_type=transformers.LlavaNextProcessor,
        image_processor=transformers.LlavaNextImageProcessorPil(
            **_clip_processing(image_size), image_grid_pinpoints=grid
        ),
        extra_config={"image_grid_pinpoints": grid},
    )


def _clip_processing(image_size: int) -> dict[str, Any]:
    return {
        "size": {"shortest_edge": image_size},
        "crop_size": {"height": image_size, "width": image_size},
        "image_mean": list(CLIP_MEAN),
        "image_std": list(CLIP_STD),
    }


def _build_llava_family(
    path: Path,
    seed: int,
    image_size: int,
    width: int,
    layers: int,
    *,
    config_type: Any,
    model_type: Any,
    processor_type: Any,
    image_processor: Any,
    extra_config: dict[str, Any],
) -> Path:
    tokenizer = build_tiny_chat_tokenizer()
    image_token_id = tokenizer.convert_tokens_to_ids(IMAGE_TOKEN)
    assert isinstance(image_token_id, int)
    config = config_type(
        vision_config={
            "model_type": "clip_vision_model",
            **_vision_config(image_size, _tower(width, layers)),
        },
        text_config=_llama_config(tokenizer, width, layers),
        image_token_index=image_token_id,
        vision_feature_layer=-1,
        **extra_config,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = model_type(config)
    processor = processor_type(
        image_processor=image_processor,
        tokenizer=tokenizer,
        patch_size=_PATCH,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,  # the CLS token the "default" strategy drops
        chat_template=TINY_CHAT_TEMPLATE,
    )
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    processor.save_pretrained(path)
    return path
