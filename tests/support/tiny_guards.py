"""Tiny random guard checkpoints saved as their hub repos are, with the real chat templates:
Llama Guard 3 8B (llama text), Llama Guard 3 11B-Vision (mllama) and ShieldGemma 2 (a Gemma 3
image classifier with Yes/No tokens). Random weights: they answer garbage, which is what a
judge must map to unscorable."""

from __future__ import annotations

from pathlib import Path

import transformers
from tiny_families import (
    GEMMA3_TOKENS,
    GEMMA_TOKENS,
    LLAMA3_VISION_TOKENS,
    SIGLIP_MEAN,
    TEMPLATES,
    _decoder,
    _ids,
    _seeded,
    _siglip_tower,
    build_tiny_mllama,
    byte_level_fast_tokenizer,
    sentencepiece_bpe,
)

LLAMA_GUARD_3_TEMPLATE = (TEMPLATES / "llama_guard_3_8b.jinja").read_text(encoding="utf-8")
LLAMA_GUARD_3_VISION_TEMPLATE = (TEMPLATES / "llama_guard_3_vision.jinja").read_text(
    encoding="utf-8"
)
SHIELDGEMMA2_TEMPLATE = (TEMPLATES / "shieldgemma2.jinja").read_text(encoding="utf-8")


def llama3_tokenizer() -> transformers.PreTrainedTokenizerFast:
    return byte_level_fast_tokenizer(
        LLAMA3_VISION_TOKENS,
        bos_token="<|begin_of_text|>",
        eos_token="<|eot_id|>",
        pad_token="<|finetune_right_pad_id|>",
    )


def build_tiny_llama_guard_3(path: Path, seed: int = 0, template: str | None = None) -> Path:
    """Llama-Guard-3-8B's layout: LlamaForCausalLM, PreTrainedTokenizerFast, the chat template
    in tokenizer_config.json."""
    tokenizer = llama3_tokenizer()
    config = transformers.LlamaConfig(
        **{
            **_decoder(tokenizer, "llama"),
            "eos_token_id": _ids(tokenizer, "<|end_of_text|>", "<|eom_id|>", "<|eot_id|>"),
        }
    )
    model = _seeded(seed, lambda: transformers.LlamaForCausalLM(config))
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    tokenizer.chat_template = LLAMA_GUARD_3_TEMPLATE if template is None else template
    tokenizer.save_pretrained(path)
    return path


def build_tiny_llama_guard_3_vision(path: Path, seed: int = 0) -> Path:
    """Llama-Guard-3-11B-Vision's layout: Llama 3.2 Vision (mllama) with the guard's template."""
    build_tiny_mllama(path, seed)
    import json

    (path / "chat_template.json").write_text(
        json.dumps({"chat_template": LLAMA_GUARD_3_VISION_TEMPLATE}, indent=2) + "\n"
    )
    return path


def build_tiny_shieldgemma2(path: Path, seed: int = 0) -> Path:
    """shieldgemma-2-4b-it's layout: a Gemma 3 model read through its Yes/No logits,
    ShieldGemma2Processor with the three shipped policies and the real chat template."""
    image_tokens = {
        "boi_token": "<start_of_image>",
        "eoi_token": "<end_of_image>",
        "image_token": "<image_soft_token>",
    }
    tokenizer = sentencepiece_bpe(
        "GemmaTokenizer",
        GEMMA_TOKENS,
        (*GEMMA3_TOKENS, "<image_soft_token>"),
        extra_special_tokens=image_tokens,
    )
    tokenizer.add_tokens(["Yes", "No"])
    size, patch, per_image = 32, 8, 4
    boi, eoi, image, yes, no = _ids(
        tokenizer, "<start_of_image>", "<end_of_image>", "<image_soft_token>", "Yes", "No"
    )
    text = {
        **_decoder(tokenizer, "gemma3_text"),
        "head_dim": 16,
        "query_pre_attn_scalar": 16,
        "sliding_window": 64,
        "num_hidden_layers": 2,
        "layer_types": ["sliding_attention", "full_attention"],
    }
    config = transformers.ShieldGemma2Config(
        text_config=text,
        vision_config=_siglip_tower(size, patch),
        mm_tokens_per_image=per_image,
        boi_token_index=boi,
        eoi_token_index=eoi,
        image_token_index=image,
        yes_token_index=yes,
        no_token_index=no,
    )
    model = _seeded(seed, lambda: transformers.ShieldGemma2ForImageClassification(config))
    image_processor = transformers.Gemma3ImageProcessorPil(
        size={"height": size, "width": size}, image_mean=SIGLIP_MEAN, image_std=SIGLIP_MEAN
    )
    processor = transformers.ShieldGemma2Processor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        chat_template=SHIELDGEMMA2_TEMPLATE,
        image_seq_length=per_image,
    )
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    processor.save_pretrained(path)
    return path
