"""Tiny random checkpoints of the open generative VLM families, saved as their hub repos are.

Each builder writes what the family's real repository ships: ``config.json``, weights,
``generation_config.json``, the family's tokenizer class (a byte-level BPE trained offline on a
few caption words, with the family's special tokens), ``preprocessor_config.json`` (the image
processor, with ``processor_class``), ``processor_config.json`` where the family has processor
settings, and ``chat_template.json`` holding the family's real chat template. No processor object
is saved: loading must work from the files alone, as it must for a downloaded checkpoint.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import transformers
from tiny_models import CAPTION_WORDS_TEXT
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

SIGLIP_MEAN = [0.5, 0.5, 0.5]
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]

QWEN2_VL_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}"
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}"
    "{{ message['content'] }}<|im_end|>\n{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "{% set image_count.value = image_count.value + 1 %}{% if add_vision_id %}"
    "Picture {{ image_count.value }}: {% endif %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' or 'video' in content %}"
    "{% set video_count.value = video_count.value + 1 %}{% if add_vision_id %}"
    "Video {{ video_count.value }}: {% endif %}<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n"
    "{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
_IDEFICS_TURNS = (
    "{% for message in messages %}{{message['role'] | capitalize}}"
    "{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}"
    "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}"
    "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}"
    "<end_of_utterance>\n{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"
)
SMOLVLM_TEMPLATE = "<|im_start|>" + _IDEFICS_TURNS
IDEFICS3_TEMPLATE = "<|begin_of_text|>" + _IDEFICS_TURNS
LLAVA_ONEVISION_TEMPLATE = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + ' '}}"
    "{# Render all images first #}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}"
    "{{ '<image>' }}{% endfor %}{# Render all video then #}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'video') %}"
    "{{ '<video>' }}{% endfor %}{# Render all text next #}{% if message['role'] != 'assistant' %}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}"
    "{{ '\n' + content['text'] }}{% endfor %}{% else %}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}"
    "{% generation %}{{ '\n' + content['text'] }}{% endgeneration %}{% endfor %}{% endif %}"
    "{{'<|im_end|>'}}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\n' }}{% endif %}"
)

QWEN_TOKENS = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|image_pad|>",
    "<|video_pad|>",
)


def trained_byte_bpe(special_tokens: tuple[str, ...]) -> Tokenizer:
    """A byte-level BPE (400 tokens) trained on caption words, the special tokens added."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=list(special_tokens),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator([CAPTION_WORDS_TEXT] * 3, trainer)
    return tokenizer


def bpe_tokenizer(tokenizer_class: str, special_tokens: tuple[str, ...], **kwargs: Any) -> Any:
    """The family's tokenizer class over a byte-level BPE trained on caption words; every
    special token is an added special token (as in the real vocabularies)."""
    tokenizer = trained_byte_bpe(special_tokens)
    trained = json.loads(tokenizer.to_str())["model"]
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in trained["merges"]]
    built = getattr(transformers, tokenizer_class)(vocab=trained["vocab"], merges=merges, **kwargs)
    built.add_special_tokens({"additional_special_tokens": list(special_tokens)})
    return built


def _ids(tokenizer: Any, *tokens: str) -> list[int]:
    return [int(tokenizer.convert_tokens_to_ids(token)) for token in tokens]


def _decoder(tokenizer: Any, model_type: str, width: int = 32) -> dict[str, Any]:
    return {
        "model_type": model_type,
        "vocab_size": len(tokenizer),
        "hidden_size": width,
        "intermediate_size": 2 * width,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "num_key_value_heads": 2,
        "max_position_embeddings": 1024,
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
    }


def save_hub_layout(
    path: Path,
    model: Any,
    tokenizer: Any,
    image_processor: Any,
    processor_class: str,
    chat_template: str | None,
    processor_settings: dict[str, Any] | None = None,
) -> Path:
    """Write a checkpoint as hub repos hold it: the image processor in
    preprocessor_config.json, processor settings in processor_config.json, the template in
    chat_template.json."""
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    tokenizer.chat_template = None
    tokenizer.save_pretrained(path)
    image_processor.save_pretrained(path)
    file = path / "preprocessor_config.json"
    settings = json.loads(file.read_text())
    settings["processor_class"] = processor_class
    file.write_text(json.dumps(settings, indent=2) + "\n")
    if processor_settings is not None:
        processor = {**processor_settings, "processor_class": processor_class}
        (path / "processor_config.json").write_text(json.dumps(processor, indent=2) + "\n")
    if chat_template is not None:
        template = json.dumps({"chat_template": chat_template}, indent=2)
        (path / "chat_template.json").write_text(template + "\n")
    return path


def _seeded(seed: int, build: Callable[[], Any]) -> Any:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def _qwen_vl(
    path: Path,
    seed: int,
    config_type: str,
    model_type: str,
    processor: str,
    vision: dict[str, Any],
    text_type: str,
) -> Path:
    tokenizer = bpe_tokenizer(
        "Qwen2Tokenizer", QWEN_TOKENS, eos_token="<|im_end|>", pad_token="<|endoftext|>"
    )
    image, video, start, end = _ids(
        tokenizer, "<|image_pad|>", "<|video_pad|>", "<|vision_start|>", "<|vision_end|>"
    )
    text = {
        **_decoder(tokenizer, text_type),
        "rope_parameters": {
            "rope_type": "default",
            "rope_theta": 10000.0,
            "mrope_section": [2, 3, 3],
        },
    }
    config = getattr(transformers, config_type)(
        text_config=text,
        vision_config=vision,
        image_token_id=image,
        video_token_id=video,
        vision_start_token_id=start,
        vision_end_token_id=end,
        tie_word_embeddings=True,
    )
    model = _seeded(seed, lambda: getattr(transformers, model_type)(config))
    # 28 x 28 pixels per merged token: images become 4 to 16 tokens
    image_processor = transformers.Qwen2VLImageProcessorPil(
        min_pixels=4 * 28 * 28, max_pixels=16 * 28 * 28, patch_size=14, merge_size=2
    )
    save_hub_layout(path, model, tokenizer, image_processor, processor, QWEN2_VL_TEMPLATE)
    # hub files name the pixel budget as min_pixels / max_pixels (the processor reads both forms)
    file = path / "preprocessor_config.json"
    settings = json.loads(file.read_text())
    settings.pop("size", None)
    settings.update(min_pixels=4 * 28 * 28, max_pixels=16 * 28 * 28)
    file.write_text(json.dumps(settings, indent=2) + "\n")
    return path


def build_tiny_qwen2_vl(path: Path, seed: int = 0) -> Path:
    """Qwen2-VL-2B-Instruct's layout: Qwen2VLImageProcessor, Qwen2Tokenizer, chat_template.json."""
    vision = {"depth": 1, "embed_dim": 32, "hidden_size": 32, "num_heads": 2, "patch_size": 14}
    return _qwen_vl(
        path,
        seed,
        "Qwen2VLConfig",
        "Qwen2VLForConditionalGeneration",
        "Qwen2VLProcessor",
        vision,
        "qwen2_vl_text",
    )


def build_tiny_qwen2_5_vl(path: Path, seed: int = 0) -> Path:
    """Qwen2.5-VL-3B-Instruct's layout (windowed vision attention, one full-attention block)."""
    vision = {
        "depth": 2,
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_heads": 2,
        "out_hidden_size": 32,
        "patch_size": 14,
        "window_size": 56,
        "fullatt_block_indexes": [1],
    }
    return _qwen_vl(
        path,
        seed,
        "Qwen2_5_VLConfig",
        "Qwen2_5_VLForConditionalGeneration",
        "Qwen2_5_VLProcessor",
        vision,
        "qwen2_5_vl_text",
    )


IDEFICS_TOKENS = ("<fake_token_around_image>", "<image>", "<end_of_utterance>", "<global-img>")


def _idefics(path: Path, seed: int, family: str) -> Path:
    smol = family == "smolvlm"
    if smol:  # SmolVLM: SmolLM2's GPT2Tokenizer, <|im_start|> as BOS
        special = ("<|endoftext|>", "<|im_start|>", "<|im_end|>", *IDEFICS_TOKENS)
        tokenizer = bpe_tokenizer(
            "GPT2Tokenizer",
            special,
            bos_token="<|im_start|>",
            eos_token="<end_of_utterance>",
            pad_token="<|im_end|>",
            unk_token="<|endoftext|>",
        )
    else:  # Idefics3-8B-Llama3: Llama 3's tokenizer
        special = ("<|begin_of_text|>", "<|end_of_text|>", *IDEFICS_TOKENS)
        tokenizer = bpe_tokenizer(
            "GPT2Tokenizer",
            special,
            bos_token="<|begin_of_text|>",
            eos_token="<end_of_utterance>",
            pad_token="<|end_of_text|>",
            unk_token="<|end_of_text|>",
        )
    image_size, patch, scale = 32, 8, 2
    vision = {
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "image_size": image_size,
        "patch_size": patch,
    }
    prefix = "SmolVLM" if smol else "Idefics3"
    config = getattr(transformers, f"{prefix}Config")(
        vision_config=vision,
        text_config=_decoder(tokenizer, "llama"),
        image_token_id=_ids(tokenizer, "<image>")[0],
        scale_factor=scale,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = _seeded(
        seed, lambda: getattr(transformers, f"{prefix}ForConditionalGeneration")(config)
    )
    # images split into tiles of image_size (at most 2 x 2 here) plus a global view
    image_processor = getattr(transformers, f"{prefix}ImageProcessorPil")(
        do_image_splitting=True,
        max_image_size={"longest_edge": image_size},
        size={"longest_edge": 2 * image_size},
        image_mean=SIGLIP_MEAN,
        image_std=SIGLIP_MEAN,
    )
    seq_len = (image_size // patch) ** 2 // scale**2
    return save_hub_layout(
        path,
        model,
        tokenizer,
        image_processor,
        f"{prefix}Processor",
        SMOLVLM_TEMPLATE if smol else IDEFICS3_TEMPLATE,
        {"image_seq_len": seq_len},
    )


def build_tiny_smolvlm(path: Path, seed: int = 0) -> Path:
    """SmolVLM-256M-Instruct's layout: image splitting, image_seq_len in processor_config.json."""
    return _idefics(path, seed, "smolvlm")


def build_tiny_idefics3(path: Path, seed: int = 0) -> Path:
    """Idefics3-8B-Llama3's layout (the processor SmolVLM grew from)."""
    return _idefics(path, seed, "idefics3")


def build_tiny_llava_onevision(path: Path, seed: int = 0) -> Path:
    """llava-onevision-qwen2-0.5b-ov-hf's layout: SigLIP tower, anyres tiling, Qwen2 decoder."""
    special = ("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>", "<video>")
    tokenizer = bpe_tokenizer(
        "Qwen2Tokenizer", special, eos_token="<|im_end|>", pad_token="<|endoftext|>"
    )
    size, patch = 32, 8
    grid = [[size, size], [size, 2 * size], [2 * size, size]]
    vision = {
        "model_type": "siglip_vision_model",
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "image_size": size,
        "patch_size": patch,
    }
    config = transformers.LlavaOnevisionConfig(
        vision_config=vision,
        text_config=_decoder(tokenizer, "qwen2"),
        image_token_index=_ids(tokenizer, "<image>")[0],
        video_token_index=_ids(tokenizer, "<video>")[0],
        image_grid_pinpoints=grid,
        vision_feature_layer=-1,
        vision_feature_select_strategy="full",
    )
    model = _seeded(seed, lambda: transformers.LlavaOnevisionForConditionalGeneration(config))
    image_processor = transformers.LlavaOnevisionImageProcessorPil(
        size={"height": size, "width": size},
        image_grid_pinpoints=grid,
        image_mean=SIGLIP_MEAN,
        image_std=SIGLIP_MEAN,
    )
    settings = {"num_image_tokens": (size // patch) ** 2, "vision_feature_select_strategy": "full"}
    return save_hub_layout(
        path,
        model,
        tokenizer,
        image_processor,
        "LlavaOnevisionProcessor",
        LLAVA_ONEVISION_TEMPLATE,
        settings,
    )


GEMMA3_TEMPLATE = (
    "{{ bos_token }}\n"
    "{%- if messages[0]['role'] == 'system' -%}\n"
    "    {%- if messages[0]['content'] is string -%}\n"
    "        {%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}\n"
    "    {%- else -%}\n"
    "        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\n\n' -%}\n"
    "    {%- endif -%}\n"
    "    {%- set loop_messages = messages[1:] -%}\n"
    "{%- else -%}\n"
    '    {%- set first_user_prefix = "" -%}\n'
    "    {%- set loop_messages = messages -%}\n"
    "{%- endif -%}\n"
    "{%- for message in loop_messages -%}\n"
    "    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}\n"
    '        {{ raise_exception("Conversation roles must alternate '
    'user/assistant/user/assistant/...") }}\n'
    "    {%- endif -%}\n"
    "    {%- if (message['role'] == 'assistant') -%}\n"
    '        {%- set role = "model" -%}\n'
    "    {%- else -%}\n"
    "        {%- set role = message['role'] -%}\n"
    "    {%- endif -%}\n"
    "    {{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else \"\") }}\n"
    "    {%- if message['content'] is string -%}\n"
    "        {{ message['content'] | trim }}\n"
    "    {%- elif message['content'] is iterable -%}\n"
    "        {%- for item in message['content'] -%}\n"
    "            {%- if item['type'] == 'image' -%}\n"
    "                {{ '<start_of_image>' }}\n"
    "            {%- elif item['type'] == 'text' -%}\n"
    "                {{ item['text'] | trim }}\n"
    "            {%- endif -%}\n"
    "        {%- endfor -%}\n"
    "    {%- else -%}\n"
    '        {{ raise_exception("Invalid content type") }}\n'
    "    {%- endif -%}\n"
    "    {{ '<end_of_turn>\n' }}\n"
    "{%- endfor -%}\n"
    "{%- if add_generation_prompt -%}\n"
    "    {{'<start_of_turn>model\n'}}\n"
    "{%- endif -%}\n"
)
GEMMA_TOKENS = ("<pad>", "<eos>", "<bos>", "<unk>", "<mask>")
GEMMA3_TOKENS = ("<start_of_turn>", "<end_of_turn>", "<start_of_image>", "<end_of_image>")


def sentencepiece_bpe(
    tokenizer_class: str, special_tokens: tuple[str, ...], added: tuple[str, ...], **kwargs: Any
) -> Any:
    """The family's tokenizer class over a SentencePiece-style BPE (``▁`` for spaces, byte
    fallback) trained on caption words, as Gemma's and Llama 2's vocabularies are; ``added``
    become added special tokens after the trained vocabulary."""
    tokenizer = Tokenizer(models.BPE(byte_fallback=True, unk_token="<unk>"))
    tokenizer.normalizer = normalizers.Replace(" ", "\u2581")
    tokenizer.pre_tokenizer = pre_tokenizers.Split(" ", behavior="merged_with_previous")
    byte_tokens = [f"<0x{b:02X}>" for b in range(256)]
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        special_tokens=[*special_tokens, *byte_tokens],
        show_progress=False,
    )
    tokenizer.train_from_iterator([CAPTION_WORDS_TEXT] * 3, trainer)
    trained = json.loads(tokenizer.to_str())["model"]
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in trained["merges"]]
    built = getattr(transformers, tokenizer_class)(vocab=trained["vocab"], merges=merges, **kwargs)
    built.add_special_tokens({"additional_special_tokens": list(added)})
    return built


def _siglip_tower(size: int, patch: int) -> dict[str, Any]:
    return {
        "model_type": "siglip_vision_model",
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "image_size": size,
        "patch_size": patch,
    }


def build_tiny_gemma3(path: Path, seed: int = 0) -> Path:
    """gemma-3-4b-it's layout: SigLIP tower pooled to ``mm_tokens_per_image`` soft tokens,
    GemmaTokenizer with boi/eoi/image tokens in tokenizer_config.json, Gemma3ImageProcessor,
    ``image_seq_length`` in processor_config.json, chat_template.json."""
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
    size, patch, per_image = 32, 8, 4  # 4 x 4 patches pooled 2 x 2 into 4 soft tokens
    boi, eoi, image = _ids(tokenizer, "<start_of_image>", "<end_of_image>", "<image_soft_token>")
    text = {
        **_decoder(tokenizer, "gemma3_text"),
        "head_dim": 16,
        "query_pre_attn_scalar": 16,
        "sliding_window": 64,
        "num_hidden_layers": 2,
        "layer_types": ["sliding_attention", "full_attention"],
    }
    config = transformers.Gemma3Config(
        text_config=text,
        vision_config=_siglip_tower(size, patch),
        mm_tokens_per_image=per_image,
        boi_token_index=boi,
        eoi_token_index=eoi,
        image_token_index=image,
        eos_token_id=_ids(tokenizer, "<eos>", "<end_of_turn>"),
    )
    model = _seeded(seed, lambda: transformers.Gemma3ForConditionalGeneration(config))
    image_processor = transformers.Gemma3ImageProcessorPil(
        size={"height": size, "width": size}, image_mean=SIGLIP_MEAN, image_std=SIGLIP_MEAN
    )
    save_hub_layout(
        path,
        model,
        tokenizer,
        image_processor,
        "Gemma3Processor",
        GEMMA3_TEMPLATE,
        {"image_seq_length": per_image},
    )
    _update_json(path / "preprocessor_config.json", image_seq_length=per_image)
    # as the hub's tokenizer_config.json: the image tokens by name, at top level and as extras
    _update_json(
        path / "tokenizer_config.json",
        processor_class="Gemma3Processor",
        extra_special_tokens=image_tokens,
        **image_tokens,
    )
    return path


def _update_json(file: Path, **entries: Any) -> None:
    data = json.loads(file.read_text())
    data.update(entries)
    file.write_text(json.dumps(data, indent=2) + "\n")


_QWEN3_VL_CONTENT = (
    "{%- set image_count = namespace(value=0) %}\n"
    "{%- set video_count = namespace(value=0) %}\n"
    "{%- macro render_content(content, do_vision_count) %}\n"
    "    {%- if content is string %}\n"
    "        {{- content }}\n"
    "    {%- else %}\n"
    "        {%- for item in content %}\n"
    "            {%- if 'image' in item or 'image_url' in item or item.type == 'image' %}\n"
    "                {%- if do_vision_count %}\n"
    "                    {%- set image_count.value = image_count.value + 1 %}\n"
    "                {%- endif %}\n"
    "                {%- if add_vision_id %}Picture {{ image_count.value }}: {% endif -%}\n"
    "                <|vision_start|><|image_pad|><|vision_end|>\n"
    "            {%- elif 'video' in item or item.type == 'video' %}\n"
    "                {%- if do_vision_count %}\n"
    "                    {%- set video_count.value = video_count.value + 1 %}\n"
    "                {%- endif %}\n"
    "                {%- if add_vision_id %}Video {{ video_count.value }}: {% endif -%}\n"
    "                <|vision_start|><|video_pad|><|vision_end|>\n"
    "            {%- elif 'text' in item %}\n"
    "                {{- item.text }}\n"
    "            {%- endif %}\n"
    "        {%- endfor %}\n"
    "    {%- endif %}\n"
    "{%- endmacro %}\n"
)
_QWEN3_VL_TOOLS = (
    "{%- if tools %}\n"
    "    {{- '<|im_start|>system\\n' }}\n"
    "    {%- if messages[0].role == 'system' %}\n"
    "        {{- render_content(messages[0].content, false) + '\\n\\n' }}\n"
    "    {%- endif %}\n"
    '    {{- "# Tools\\n\\nYou may call one or more functions to assist with the user query.'
    "\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n"
    '<tools>" }}\n'
    "    {%- for tool in tools %}\n"
    '        {{- "\\n" }}\n'
    "        {{- tool | tojson }}\n"
    "    {%- endfor %}\n"
    '    {{- "\\n</tools>\\n\\nFor each function call, return a json object with function name '
    "and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n"
    '{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n'
    '</tool_call><|im_end|>\\n" }}\n'
    "{%- else %}\n"
    "    {%- if messages[0].role == 'system' %}\n"
    "        {{- '<|im_start|>system\\n' + render_content(messages[0].content, false) + "
    "'<|im_end|>\\n' }}\n"
    "    {%- endif %}\n"
    "{%- endif %}\n"
)
_QWEN3_VL_TURNS = (
    "{%- for message in messages %}\n"
    "    {%- set content = render_content(message.content, True) %}\n"
    '    {%- if (message.role == "user") or (message.role == "system" and not loop.first) %}\n'
    "        {{- '<|im_start|>' + message.role + '\\n' + content + '<|im_end|>' + '\\n' }}\n"
    '    {%- elif message.role == "assistant" %}\n'
    "        {{- '<|im_start|>' + message.role + '\\n' + content }}\n"
    "        {%- if message.tool_calls %}\n"
    "            {%- for tool_call in message.tool_calls %}\n"
    "                {%- if (loop.first and content) or (not loop.first) %}\n"
    "                    {{- '\\n' }}\n"
    "                {%- endif %}\n"
    "                {%- if tool_call.function %}\n"
    "                    {%- set tool_call = tool_call.function %}\n"
    "                {%- endif %}\n"
    '                {{- \'<tool_call>\\n{"name": "\' }}\n'
    "                {{- tool_call.name }}\n"
    '                {{- \'", "arguments": \' }}\n'
    "                {%- if tool_call.arguments is string %}\n"
    "                    {{- tool_call.arguments }}\n"
    "                {%- else %}\n"
    "                    {{- tool_call.arguments | tojson }}\n"
    "                {%- endif %}\n"
    "                {{- '}\\n</tool_call>' }}\n"
    "            {%- endfor %}\n"
    "        {%- endif %}\n"
    "        {{- '<|im_end|>\\n' }}\n"
    '    {%- elif message.role == "tool" %}\n'
    '        {%- if loop.first or (messages[loop.index0 - 1].role != "tool") %}\n'
    "            {{- '<|im_start|>user' }}\n"
    "        {%- endif %}\n"
    "        {{- '\\n<tool_response>\\n' }}\n"
    "        {{- content }}\n"
    "        {{- '\\n</tool_response>' }}\n"
    '        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}\n'
    "            {{- '<|im_end|>\\n' }}\n"
    "        {%- endif %}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|im_start|>assistant\\n' }}\n"
    "{%- endif %}\n"
)
#: Qwen3-VL-*-Instruct's template (the Thinking variants add <think> to the assistant turn)
QWEN3_VL_TEMPLATE = _QWEN3_VL_CONTENT + _QWEN3_VL_TOOLS + _QWEN3_VL_TURNS


def build_tiny_qwen3_vl(path: Path, seed: int = 0) -> Path:
    """Qwen3-VL-2B-Instruct's layout: 16 px patches merged 2 x 2, DeepStack features from a
    vision block, interleaved M-RoPE; Qwen2VLImageProcessor with ``size`` as the pixel budget;
    Qwen2Tokenizer; chat_template.json."""
    tokenizer = bpe_tokenizer(
        "Qwen2Tokenizer", QWEN_TOKENS, eos_token="<|im_end|>", pad_token="<|endoftext|>"
    )
    image, video, start, end = _ids(
        tokenizer, "<|image_pad|>", "<|video_pad|>", "<|vision_start|>", "<|vision_end|>"
    )
    text = {
        **_decoder(tokenizer, "qwen3_vl_text"),
        "head_dim": 16,
        "rope_parameters": {
            "rope_type": "default",
            "rope_theta": 5000000.0,
            "mrope_section": [2, 3, 3],
            "mrope_interleaved": True,
        },
    }
    vision = {
        "depth": 2,
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_heads": 2,
        "out_hidden_size": 32,
        "patch_size": 16,
        "num_position_embeddings": 16,
        "deepstack_visual_indexes": [0],
    }
    config = transformers.Qwen3VLConfig(
        text_config=text,
        vision_config=vision,
        image_token_id=image,
        video_token_id=video,
        vision_start_token_id=start,
        vision_end_token_id=end,
        tie_word_embeddings=True,
    )
    model = _seeded(seed, lambda: transformers.Qwen3VLForConditionalGeneration(config))
    # 32 x 32 pixels per merged token: images become 4 to 16 tokens
    budget = {"shortest_edge": 4 * 32 * 32, "longest_edge": 16 * 32 * 32}
    image_processor = transformers.Qwen2VLImageProcessorPil(
        size=budget, patch_size=16, merge_size=2, image_mean=SIGLIP_MEAN, image_std=SIGLIP_MEAN
    )
    save_hub_layout(path, model, tokenizer, image_processor, "Qwen3VLProcessor", QWEN3_VL_TEMPLATE)
    # the hub repo names the fast (torchvision) class and ships a video processor's settings
    _update_json(
        path / "preprocessor_config.json", image_processor_type="Qwen2VLImageProcessorFast"
    )
    video = {
        "size": {"shortest_edge": 4 * 32 * 32, "longest_edge": 64 * 32 * 32},
        "patch_size": 16,
        "temporal_patch_size": 2,
        "merge_size": 2,
        "image_mean": SIGLIP_MEAN,
        "image_std": SIGLIP_MEAN,
        "processor_class": "Qwen3VLProcessor",
        "video_processor_type": "Qwen3VLVideoProcessor",
    }
    (path / "video_preprocessor_config.json").write_text(json.dumps(video, indent=2) + "\n")
    return path


TEMPLATES = Path(__file__).parent / "chat_templates"
LLAMA3_VISION_TOKENS = (
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|finetune_right_pad_id|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eom_id|>",
    "<|eot_id|>",
    "<|python_tag|>",
    "<|image|>",
)


def byte_level_fast_tokenizer(special_tokens: tuple[str, ...], **kwargs: Any) -> Any:
    """``PreTrainedTokenizerFast`` over a byte-level BPE trained on caption words, BOS added by
    the post-processor: what Llama 3's ``tokenizer.json`` is, in small."""
    from tokenizers import processors

    tokenizer = trained_byte_bpe(special_tokens)
    bos = kwargs["bos_token"]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A", pair=f"{bos} $A {bos} $B", special_tokens=[(bos, 0)]
    )
    return transformers.PreTrainedTokenizerFast(tokenizer_object=tokenizer, **kwargs)


def build_tiny_mllama(path: Path, seed: int = 0) -> Path:
    """Llama-3.2-11B-Vision-Instruct's layout: tiled vision encoder (up to 4 tiles) read by
    cross-attention layers of the decoder; ``PreTrainedTokenizerFast`` with ``<|image|>``;
    MllamaImageProcessor; the real template in chat_template.json."""
    tokenizer = byte_level_fast_tokenizer(
        LLAMA3_VISION_TOKENS,
        bos_token="<|begin_of_text|>",
        eos_token="<|eot_id|>",
        pad_token="<|finetune_right_pad_id|>",
    )
    size, patch = 32, 8
    vision = {
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_global_layers": 1,
        "attention_heads": 2,
        "image_size": size,
        "patch_size": patch,
        "intermediate_layers_indices": [0],
        "vision_output_dim": 64,  # hidden_size x (1 + len(intermediate_layers_indices))
    }
    text = {
        **_decoder(tokenizer, "mllama_text_model"),
        "num_hidden_layers": 2,
        "cross_attention_layers": [1],
        "eos_token_id": _ids(tokenizer, "<|end_of_text|>", "<|eom_id|>", "<|eot_id|>"),
    }
    config = transformers.MllamaConfig(
        vision_config=vision,
        text_config=text,
        image_token_index=_ids(tokenizer, "<|image|>")[0],
    )
    model = _seeded(seed, lambda: transformers.MllamaForConditionalGeneration(config))
    image_processor = transformers.MllamaImageProcessorPil(
        size={"height": size, "width": size},
        max_image_tiles=4,
        image_mean=CLIP_MEAN,
        image_std=CLIP_STD,
    )
    template = (TEMPLATES / "llama3_2_vision.jinja").read_text(encoding="utf-8")
    save_hub_layout(path, model, tokenizer, image_processor, "MllamaProcessor", template)
    _update_json(path / "tokenizer_config.json", tokenizer_class="PreTrainedTokenizerFast")
    return path


#: transformers' convert_internvl_weights_to_hf.py template, as the ``-hf`` repos ship it
INTERNVL_TEMPLATE = (
    "{% for message in messages %}"
    "{{'<|im_start|>' + message['role'] + '\n'}}"
    "{% if message['content'] is string %}"
    "{{ message['content'] }}"
    "{% else %}"
    "{% for content in message['content'] %}"
    "{% if content['type'] == 'image' %}"
    "{{ '<IMG_CONTEXT>\n' }}"
    "{% elif content['type'] == 'video' %}"
    "{{ '<video>\n' }}"
    "{% elif content['type'] == 'text' %}"
    "{{ content['text'] }}"
    "{% endif %}"
    "{% endfor %}"
    "{% endif %}"
    "{{'<|im_end|>\n'}}"
    "{% endfor %}"
    "{% if add_generation_prompt %}"
    "{{'<|im_start|>assistant\n' }}"
    "{% endif %}"
)
INTERNVL_IMAGE_TOKENS = {
    "start_image_token": "<img>",
    "end_image_token": "</img>",
    "context_image_token": "<IMG_CONTEXT>",
    "video_token": "<video>",
}


def build_tiny_internvl(path: Path, seed: int = 0) -> Path:
    """InternVL3-1B-hf's layout (transformers' conversion): InternViT tiles pixel-shuffled to
    ``image_seq_length`` tokens each, Qwen2 decoder; Qwen2Tokenizer with the image tokens as
    extra special tokens; GotOcr2ImageProcessor cropping to patches; chat_template.jinja."""
    special = (
        *QWEN_TOKENS,
        "<img>",
        "</img>",
        "<IMG_CONTEXT>",
        "<quad>",
        "</quad>",
        "<ref>",
        "</ref>",
        "<box>",
        "</box>",
        "<video>",
    )
    tokenizer = bpe_tokenizer(
        "Qwen2Tokenizer", special, eos_token="<|im_end|>", pad_token="<|endoftext|>"
    )
    size, patch = 32, 8
    seq_len = (size // patch) ** 2 // 4  # pixel shuffle at downsample_ratio 0.5
    vision = {
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "image_size": [size, size],
        "patch_size": [patch, patch],
        "use_absolute_position_embeddings": True,
    }
    config = transformers.InternVLConfig(
        vision_config=vision,
        text_config=_decoder(tokenizer, "qwen2"),
        image_token_id=_ids(tokenizer, "<IMG_CONTEXT>")[0],
        image_seq_length=seq_len,
        downsample_ratio=0.5,
    )
    model = _seeded(seed, lambda: transformers.InternVLForConditionalGeneration(config))
    image_processor = transformers.GotOcr2ImageProcessorPil(
        size={"height": size, "width": size},
        crop_to_patches=True,
        min_patches=1,
        max_patches=4,
        image_mean=[0.485, 0.456, 0.406],
        image_std=[0.229, 0.224, 0.225],
    )
    save_hub_layout(
        path,
        model,
        tokenizer,
        image_processor,
        "InternVLProcessor",
        None,
        {"image_seq_length": seq_len},
    )
    (path / "chat_template.jinja").write_text(INTERNVL_TEMPLATE, encoding="utf-8")
    _update_json(
        path / "preprocessor_config.json", image_processor_type="GotOcr2ImageProcessorFast"
    )
    _update_json(
        path / "tokenizer_config.json",
        extra_special_tokens=INTERNVL_IMAGE_TOKENS,
        processor_class="InternVLProcessor",
        **INTERNVL_IMAGE_TOKENS,
    )
    return path


def build_tiny_paligemma(path: Path, seed: int = 0) -> Path:
    """paligemma-3b-pt-224's layout: SigLIP tower, Gemma decoder, GemmaTokenizer with
    ``<image>``, SiglipImageProcessor with ``image_seq_length`` and ``processor_class`` in
    preprocessor_config.json, and no chat template (the processor writes the prompt format)."""
    tokenizer = sentencepiece_bpe("GemmaTokenizer", GEMMA_TOKENS, ("<image>",))
    size, patch = 32, 8
    seq_len = (size // patch) ** 2
    config = transformers.PaliGemmaConfig(
        vision_config={**_siglip_tower(size, patch), "projection_dim": 32},
        text_config={**_decoder(tokenizer, "gemma"), "head_dim": 16},
        image_token_index=_ids(tokenizer, "<image>")[0],
        projection_dim=32,
        hidden_size=32,
    )
    model = _seeded(seed, lambda: transformers.PaliGemmaForConditionalGeneration(config))
    image_processor = transformers.SiglipImageProcessorPil(
        size={"height": size, "width": size}, image_mean=SIGLIP_MEAN, image_std=SIGLIP_MEAN
    )
    save_hub_layout(path, model, tokenizer, image_processor, "PaliGemmaProcessor", None)
    _update_json(path / "preprocessor_config.json", image_seq_length=seq_len)
    _update_json(path / "tokenizer_config.json", processor_class="PaliGemmaProcessor")
    return path
