"""Tiny random dual encoders laid out as their hub repositories are, built offline.

Each family's directory holds the files its real checkpoint ships, written as the hub has them
(older transformers' sparse config.json, the tokenizer files and classes it names, its
preprocessor_config.json), not as today's ``save_pretrained`` would write them:

- SigLIP (google/siglip-base-patch16-224): SiglipTokenizer over a sentencepiece ``spiece.model``
- SigLIP 2 fixed resolution (google/siglip2-base-patch16-224): model_type siglip, Gemma tokenizer
- SigLIP 2 NaFlex (google/siglip2-base-patch16-naflex): model_type siglip2, Siglip2 processor
- OpenCLIP-converted CLIP (laion/CLIP-ViT-B-32-laion2B-s34B-b79K): CLIP byte-level BPE files,
  gelu towers, a projection narrower than the towers, ``open_clip_config.json`` beside

Tokenizers are trained here (sentencepiece, tokenizers) on the caption words; weights are random.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sentencepiece as spm
import torch
from tiny_models import CAPTION_WORDS_TEXT
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

_WIDTH, _IMAGE, _PATCH = 32, 32, 8
_OLD_TRANSFORMERS = "4.37.0.dev0"


def _tower(**extra: Any) -> dict[str, Any]:
    return {
        "hidden_size": _WIDTH,
        "intermediate_size": 2 * _WIDTH,
        "num_attention_heads": 2,
        "num_hidden_layers": 1,
        **extra,
    }


def _sentences() -> list[str]:
    words = CAPTION_WORDS_TEXT.split()
    return [" ".join(words[i : i + 8]) for i in range(0, len(words), 3)]


def _write_json(path: Path, name: str, content: dict[str, Any]) -> None:
    (path / name).write_text(json.dumps(content, indent=2) + "\n")


def _train_spiece(**options: Any) -> bytes:
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_sentences() * 3),
        model_writer=model,
        character_coverage=1.0,
        num_threads=1,
        minloglevel=2,
        **options,
    )
    return model.getvalue()


def _save_model(path: Path, config: dict[str, Any], build: Callable[[], Any], seed: int) -> None:
    """Random weights under a private RNG, then config.json as the hub has it."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = build()
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    _write_json(
        path, "config.json", {**config, "torch_dtype": "float32", "transformers_version": "x"}
    )
    text = (path / "config.json").read_text().replace('"x"', f'"{_OLD_TRANSFORMERS}"')
    (path / "config.json").write_text(text)


def _square_processor(image_processor_type: str, resample: int) -> dict[str, Any]:
    return {
        "do_normalize": True,
        "do_rescale": True,
        "do_resize": True,
        "image_mean": [0.5, 0.5, 0.5],
        "image_processor_type": image_processor_type,
        "image_std": [0.5, 0.5, 0.5],
        "processor_class": "SiglipProcessor",
        "resample": resample,
        "rescale_factor": 1 / 255,
        "size": {"height": _IMAGE, "width": _IMAGE},
    }


# --- SigLIP ---------------------------------------------------------------------------------


def _siglip_tokenizer_files(path: Path) -> int:
    """spiece.model (ids 0 pad, 1 </s>, 2 unk as in SigLIP's) and its configs; the vocab size."""
    model = _train_spiece(
        vocab_size=150, model_type="unigram", pad_id=0, eos_id=1, unk_id=2, bos_id=-1
    )
    (path / "spiece.model").write_bytes(model)
    special = {
        "1": {"content": "</s>", "lstrip": True, "normalized": False, "rstrip": True},
        "2": {"content": "<unk>", "lstrip": True, "normalized": False, "rstrip": True},
    }
    _write_json(
        path,
        "tokenizer_config.json",
        {
            "added_tokens_decoder": {
                key: {**value, "single_word": False, "special": True}
                for key, value in special.items()
            },
            "additional_special_tokens": [],
            "clean_up_tokenization_spaces": True,
            "do_lower_case": True,
            "eos_token": "</s>",
            "model_input_names": ["input_ids"],
            "model_max_length": 64,
            "pad_token": "</s>",
            "processor_class": "SiglipProcessor",
            "sp_model_kwargs": {},
            "tokenizer_class": "SiglipTokenizer",
            "unk_token": "<unk>",
        },
    )
    _write_json(
        path,
        "special_tokens_map.json",
        {"eos_token": "</s>", "pad_token": "</s>", "unk_token": "<unk>"},
    )
    return spm.SentencePieceProcessor(model_proto=model).get_piece_size()  # type: ignore[no-any-return]


def build_hub_siglip(path: Path, seed: int = 0) -> Path:
    """google/siglip-*: SiglipModel, SiglipTokenizer (sentencepiece), SiglipImageProcessor."""
    from transformers import SiglipConfig, SiglipModel

    path.mkdir(parents=True, exist_ok=True)
    vocab = _siglip_tokenizer_files(path)
    config = {
        "architectures": ["SiglipModel"],
        "initializer_factor": 1.0,
        "model_type": "siglip",
        "text_config": {**_tower(vocab_size=vocab), "model_type": "siglip_text_model"},
        "vision_config": {
            **_tower(image_size=_IMAGE, patch_size=_PATCH),
            "model_type": "siglip_vision_model",
        },
    }
    _save_model(path, config, lambda: SiglipModel(SiglipConfig(**config)), seed)
    _write_json(path, "preprocessor_config.json", _square_processor("SiglipImageProcessor", 3))
    return path


# --- SigLIP 2 -------------------------------------------------------------------------------

_GEMMA_SPECIALS = {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3, "<mask>": 4}


def _gemma_tokenizer_files(path: Path) -> int:
    """Gemma's layout: a byte-fallback BPE tokenizer.model, the tokenizer.json converted from it
    (by transformers' own converter), GemmaTokenizer named in tokenizer_config.json."""
    from transformers import GemmaTokenizer

    model = _train_spiece(
        vocab_size=300,
        hard_vocab_limit=False,
        model_type="bpe",
        byte_fallback=True,
        pad_id=0,
        eos_id=1,
        bos_id=2,
        unk_id=3,
        user_defined_symbols=["<mask>"],
        add_dummy_prefix=False,
        remove_extra_whitespaces=False,
        normalization_rule_name="identity",
        split_digits=True,
    )
    (path / "tokenizer.model").write_bytes(model)
    decoder = {
        str(index): {
            "content": token,
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": True,
        }
        for token, index in _GEMMA_SPECIALS.items()
    }
    _write_json(
        path,
        "tokenizer_config.json",
        {
            "add_bos_token": False,
            "add_eos_token": True,
            "added_tokens_decoder": decoder,
            "bos_token": "<bos>",
            "clean_up_tokenization_spaces": False,
            "eos_token": "<eos>",
            "mask_token": "<mask>",
            "model_max_length": 64,
            "pad_token": "<pad>",
            "padding_side": "right",
            "processor_class": "Siglip2Processor",
            "sp_model_kwargs": {},
            "spaces_between_special_tokens": False,
            "tokenizer_class": "GemmaTokenizer",
            "unk_token": "<unk>",
            "use_default_system_prompt": False,
        },
    )
    _write_json(
        path,
        "special_tokens_map.json",
        {name: f"<{name.split('_')[0]}>" for name in ("bos_token", "eos_token", "pad_token")}
        | {"mask_token": "<mask>", "unk_token": "<unk>"},
    )
    # tokenizer.json converted from tokenizer.model, as the hub's was
    GemmaTokenizer.from_pretrained(path).backend_tokenizer.save(str(path / "tokenizer.json"))
    return len(Tokenizer.from_file(str(path / "tokenizer.json")).get_vocab())


def build_hub_siglip2(path: Path, seed: int = 0) -> Path:
    """google/siglip2-*-224 etc.: fixed resolution, so SigLIP's classes with a Gemma tokenizer."""
    from transformers import SiglipConfig, SiglipModel

    path.mkdir(parents=True, exist_ok=True)
    vocab = _gemma_tokenizer_files(path)
    config = {
        "architectures": ["SiglipModel"],
        "initializer_factor": 1.0,
        "model_type": "siglip",
        # a text tower narrower than the image tower, projected up to it (as siglip2-giant-opt)
        "text_config": {
            **_tower(vocab_size=vocab, hidden_size=16, intermediate_size=32),
            "projection_size": _WIDTH,
            "model_type": "siglip_text_model",
        },
        "vision_config": {
            **_tower(image_size=_IMAGE, patch_size=_PATCH),
            "model_type": "siglip_vision_model",
        },
    }
    _save_model(path, config, lambda: SiglipModel(SiglipConfig(**config)), seed)
    _write_json(path, "preprocessor_config.json", _square_processor("SiglipImageProcessor", 2))
    return path


NAFLEX_MAX_PATCHES = 16


def build_hub_siglip2_naflex(path: Path, seed: int = 0) -> Path:
    """google/siglip2-*-naflex: model_type siglip2, patch sequences of at most 16 patches."""
    from transformers import Siglip2Config, Siglip2Model

    path.mkdir(parents=True, exist_ok=True)
    vocab = _gemma_tokenizer_files(path)
    config = {
        "architectures": ["Siglip2Model"],
        "initializer_factor": 1.0,
        "model_type": "siglip2",
        "text_config": {**_tower(vocab_size=vocab), "model_type": "siglip2_text_model"},
        "vision_config": {
            **_tower(num_patches=NAFLEX_MAX_PATCHES, patch_size=_PATCH),
            "model_type": "siglip2_vision_model",
        },
    }
    _save_model(path, config, lambda: Siglip2Model(Siglip2Config(**config)), seed)
    _write_json(
        path,
        "preprocessor_config.json",
        {
            "do_convert_rgb": None,
            "do_normalize": True,
            "do_rescale": True,
            "do_resize": True,
            "image_mean": [0.5, 0.5, 0.5],
            "image_processor_type": "Siglip2ImageProcessorFast",
            "image_std": [0.5, 0.5, 0.5],
            "max_num_patches": NAFLEX_MAX_PATCHES,
            "patch_size": _PATCH,
            "processor_class": "Siglip2Processor",
            "resample": 2,
            "rescale_factor": 1 / 255,
        },
    )
    return path


# --- OpenCLIP-converted CLIP ----------------------------------------------------------------

_CLIP_SPECIALS = ("<|startoftext|>", "<|endoftext|>")
OPENAI_MEAN = [0.48145466, 0.4578275, 0.40821073]
OPENAI_STD = [0.26862954, 0.26130258, 0.27577711]


def _clip_tokenizer_files(path: Path) -> tuple[int, int, int]:
    """CLIP's byte-level BPE (``</w>`` word ends) as vocab.json, merges.txt and tokenizer.json;
    the specials come last, as in CLIP's vocabulary. Returns (vocab size, bos id, eos id)."""
    from transformers import CLIPTokenizer

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    bpe = Tokenizer(models.BPE(end_of_word_suffix="</w>"))
    bpe.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        initial_alphabet=alphabet,
        end_of_word_suffix="</w>",
        show_progress=False,
    )
    bpe.train_from_iterator(_sentences(), trainer)
    learnt = json.loads(bpe.to_str())["model"]
    merges = [" ".join(pair) if isinstance(pair, list) else pair for pair in learnt["merges"]]
    vocab: dict[str, int] = {}
    for token in [*sorted(alphabet), *(c + "</w>" for c in sorted(alphabet))]:
        vocab.setdefault(token, len(vocab))
    for token in sorted(learnt["vocab"], key=learnt["vocab"].__getitem__):
        vocab.setdefault(token, len(vocab))
    for token in _CLIP_SPECIALS:
        vocab.setdefault(token, len(vocab))
    _write_json(path, "vocab.json", vocab)
    (path / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n")
    tokenizer = CLIPTokenizer(vocab=vocab, merges=[tuple(m.split(" ")) for m in merges])
    tokenizer.backend_tokenizer.save(str(path / "tokenizer.json"))
    _write_json(
        path,
        "tokenizer_config.json",
        {
            "add_prefix_space": False,
            "bos_token": "<|startoftext|>",
            "do_lower_case": True,
            "eos_token": "<|endoftext|>",
            "errors": "replace",
            "model_max_length": 77,
            "pad_token": "<|endoftext|>",
            "tokenizer_class": "CLIPTokenizer",
            "unk_token": "<|endoftext|>",
        },
    )
    special = {"bos_token": _CLIP_SPECIALS[0]} | dict.fromkeys(
        ("eos_token", "pad_token", "unk_token"), _CLIP_SPECIALS[1]
    )
    _write_json(path, "special_tokens_map.json", special)
    return len(vocab), vocab[_CLIP_SPECIALS[0]], vocab[_CLIP_SPECIALS[1]]


def build_hub_openclip(path: Path, seed: int = 0) -> Path:
    """laion/CLIP-ViT-*: a CLIPModel converted from OpenCLIP (gelu, legacy eos id 2 so the
    text pools at the highest token id, EOT), CLIP tokenizer files, open_clip_config.json."""
    from transformers import CLIPConfig, CLIPModel

    path.mkdir(parents=True, exist_ok=True)
    vocab, bos, eos = _clip_tokenizer_files(path)
    text = {**_tower(vocab_size=vocab), "hidden_act": "gelu", "model_type": "clip_text_model"}
    text |= {"bos_token_id": 0, "eos_token_id": 2, "pad_token_id": 1}
    vision = {**_tower(image_size=_IMAGE, patch_size=_PATCH), "hidden_act": "gelu"}
    config = {
        "architectures": ["CLIPModel"],
        "initializer_factor": 1.0,
        "logit_scale_init_value": 2.6592,
        "model_type": "clip",
        "projection_dim": 24,
        "text_config": text,
        "vision_config": {**vision, "model_type": "clip_vision_model"},
    }
    assert eos == vocab - 1 and bos == vocab - 2  # the legacy pooling takes the argmax id
    _save_model(path, config, lambda: CLIPModel(CLIPConfig(**config)), seed)
    _write_json(
        path,
        "preprocessor_config.json",
        {
            "crop_size": {"height": _IMAGE, "width": _IMAGE},
            "do_center_crop": True,
            "do_convert_rgb": True,
            "do_normalize": True,
            "do_rescale": True,
            "do_resize": True,
            "feature_extractor_type": "CLIPFeatureExtractor",
            "image_mean": OPENAI_MEAN,
            "image_processor_type": "CLIPImageProcessor",
            "image_std": OPENAI_STD,
            "resample": 3,
            "rescale_factor": 1 / 255,
            "size": {"shortest_edge": _IMAGE},
        },
    )
    _write_json(
        path,
        "open_clip_config.json",
        {
            "model_cfg": {
                "embed_dim": 24,
                "vision_cfg": {"image_size": _IMAGE, "layers": 1, "width": _WIDTH},
                "text_cfg": {"context_length": 77, "vocab_size": vocab, "width": _WIDTH},
            },
            "preprocess_cfg": {"mean": OPENAI_MEAN, "std": OPENAI_STD},
        },
    )
    return path


HUB_BUILDERS: dict[str, Callable[[Path, int], Path]] = {
    "siglip": build_hub_siglip,
    "siglip2": build_hub_siglip2,
    "siglip2-naflex": build_hub_siglip2_naflex,
    "openclip": build_hub_openclip,
}
