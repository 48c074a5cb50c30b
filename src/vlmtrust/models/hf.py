"""``hf:/path``: a local transformers checkpoint: CLIP, SigLIP and SigLIP 2 dual encoders here,
image-text-to-text generators in :mod:`vlmtrust.models.hf_generator` (chosen by config.json).

Preprocessing is done here in PIL and torch rather than by transformers' image processors, which
need torchvision (absent here), and so that one pixel path serves both inference and gradient
attacks: ``to_pixels`` gives [0, 1] pixels, normalisation happens inside the differentiable part.

Architectures are data (:data:`DUAL_ENCODERS`, keyed by ``model_type``); generative families
come from transformers' own image-text-to-text table. Fixed-size dual encoders load as
:class:`vlmtrust.models.hf_dual_tuning.HFTunableEncoder`, which adds ``Tunable``.

Device and precision come from the spec's options (:mod:`vlmtrust.models.placement`): inputs
are moved to the model's device and dtype, outputs come back as float32 on the CPU (numpy) or,
for gradient paths, on the device of the caller's pixels, so tasks and attacks never see
either.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from PIL import Image

from vlmtrust.core.errors import ConfigError, ModelLoadError
from vlmtrust.core.spec import sha256_hex
from vlmtrust.models.base import ModelAdapter, ModelHandle, ModelKind, parse_query_options
from vlmtrust.models.batching import BatchSizer
from vlmtrust.models.hf_tokenizer import check_tokenizer_class, load_tokenizer
from vlmtrust.models.placement import OPTIONS, Accelerators, Placement, resolve_placement
from vlmtrust.store.digests import file_sha256

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

DUAL_ENCODER_CAPABILITIES = frozenset({"Embedder", "Classifier", "Differentiable"})

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)

# Files transformers reads from a checkpoint directory besides the weights (*.safetensors,
# *.bin); all of them change what the model computes, so all go into the fingerprint.
CHECKPOINT_FILES = frozenset(
    {
        "config.json",
        "preprocessor_config.json",
        "processor_config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "added_tokens.json",
        "vocab.json",
        "vocab.txt",
        "merges.txt",
        "spiece.model",
        "tokenizer.model",
        # generative checkpoints: prompt format and decoding defaults
        "chat_template.jinja",
        "chat_template.json",
        "generation_config.json",
    }
)
_WEIGHT_SUFFIXES = (".safetensors", ".bin")
# transformers 5 silently builds an empty tokenizer (every word -> unknown) when none of these
# exists, so their absence is an error here, not a degraded model later.
_TOKENIZER_FILES = ("tokenizer.json", "vocab.json", "vocab.txt", "spiece.model", "tokenizer.model")


@dataclass(frozen=True)
class DualEncoderArch:
    """What differs between dual-encoder families; the adapter code is shared."""

    model_class: str
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    embed_dim: Callable[[Any], int]
    # SigLIP was trained on max-length padding without an attention mask, pools the last token
    # and adds a learnt bias to its logits; CLIP pads to the longest text and pools at EOS.
    pad_to_max_length: bool
    text_attention_mask: bool
    logit_bias: bool
    # Used when preprocessor_config.json does not say: CLIP crops, SigLIP squashes.
    center_crop: bool
    # PIL resampling filter when preprocessor_config.json does not say (3 bicubic, 2 bilinear)
    resample: int = 3
    # SigLIP 2 NaFlex: patch sequences at each image's aspect ratio (models/hf_naflex.py)
    naflex: bool = False


DUAL_ENCODERS: dict[str, DualEncoderArch] = {
    "clip": DualEncoderArch(
        model_class="CLIPModel",
        mean=CLIP_MEAN,
        std=CLIP_STD,
        embed_dim=lambda config: int(config.projection_dim),
        pad_to_max_length=False,
        text_attention_mask=True,
        logit_bias=False,
        center_crop=True,
    ),
    "siglip": DualEncoderArch(
        model_class="SiglipModel",
        mean=(0.5, 0.5, 0.5),
        std=(0.5, 0.5, 0.5),
        embed_dim=lambda config: int(config.text_config.projection_size),
        pad_to_max_length=True,
        text_attention_mask=False,
        logit_bias=True,
        center_crop=False,
    ),
    # SigLIP 2's fixed-resolution checkpoints are model_type "siglip" (with a Gemma tokenizer);
    # only the NaFlex ones are "siglip2". Text is handled as SigLIP's.
    "siglip2": DualEncoderArch(
        model_class="Siglip2Model",
        mean=(0.5, 0.5, 0.5),
        std=(0.5, 0.5, 0.5),
        embed_dim=lambda config: int(config.text_config.projection_size),
        pad_to_max_length=True,
        text_attention_mask=False,
        logit_bias=True,
        center_crop=False,
        resample=2,
        naflex=True,
    ),
}


class HFModelKind(ModelKind):
    """``hf:DIR``: a directory written by ``save_pretrained`` (config, weights, tokenizer)."""

    @classmethod
    def resolve(cls, target: str) -> ModelHandle:
        """Read config.json and hash the files; weights are not loaded (this runs at planning).

        ``DIR?key=value`` options: device, dtype, device_map and batch_size for every
        checkpoint (see ``placement``), and a generative checkpoint's own (``hf_generator``)."""
        from vlmtrust.models import hf_generator

        directory, _, query = target.partition("?")
        path = Path(directory).expanduser()
        if not path.exists():
            raise ModelLoadError(
                f"model directory {path} does not exist",
                "pass hf:/path/to/a/local/checkpoint directory",
            )
        if not path.is_dir():
            raise ModelLoadError(
                f"model path {path} is a file, not a checkpoint directory",
                "pass the directory save_pretrained wrote (it holds config.json)",
            )
        config = _read_config(path)
        model_type = config.get("model_type")
        model_type = model_type if isinstance(model_type, str) else None
        example = "hf:DIR?device=cuda&dtype=bfloat16"
        params = parse_query_options(query, f"hf:{target}", example)
        placed = {k: v for k, v in params.items() if k in OPTIONS}
        rest = {k: v for k, v in params.items() if k not in OPTIONS}
        if model_type not in DUAL_ENCODERS and hf_generator.is_generative(model_type, config):
            options = hf_generator.validate_options(rest)
            placement = resolve_placement(placed, f"hf:{target}", Accelerators.detect())
            return hf_generator.resolve_generator(
                target, path, model_type or "", config, options, placement
            )
        if model_type not in DUAL_ENCODERS:
            text_only = hf_generator.text_only_problem(path, model_type, config)
            if text_only:
                raise ModelLoadError(
                    text_only,
                    f"point hf: at an image-text-to-text checkpoint ({hf_generator.EXAMPLES}, ...) "
                    f"or a dual encoder ({', '.join(sorted(DUAL_ENCODERS))})",
                )
            supported = ", ".join(sorted(DUAL_ENCODERS))
            raise ModelLoadError(
                f"model {path} has model_type {model_type!r}, which hf: does not support",
                f"supported model types: {supported}, or an image-text-to-text checkpoint "
                f"({hf_generator.EXAMPLES}, ...)",
            )
        if rest:
            raise ConfigError(
                f"hf:{target} passes {', '.join(sorted(rest))} to a dual encoder, which takes "
                f"only {', '.join(OPTIONS)}",
                "drop the others (they apply to generative checkpoints)",
            )
        placement = resolve_placement(placed, f"hf:{target}", Accelerators.detect())
        require_weights_and_tokenizer(path)
        check_tokenizer_class(path, f"hf:{target}")
        from vlmtrust.models.hf_dual_tuning import tunable_roles

        roles = tunable_roles(DUAL_ENCODERS[model_type], config)
        return ModelHandle(
            spec=f"hf:{target}",
            kind="hf",
            name=f"hf:{path.resolve().name}",
            fingerprint=placement.fingerprint(checkpoint_fingerprint(path)),
            capabilities=DUAL_ENCODER_CAPABILITIES | ({"Tunable"} if roles else set()),
            tunable_roles=roles,
            options={
                "path": str(path.resolve()),
                "model_type": model_type,
                "placement": placement.model_dump(),
            },
        )

    @classmethod
    def load(cls, handle: ModelHandle) -> ModelAdapter:
        import transformers

        if handle.options.get("generative"):
            from vlmtrust.models.hf_generator import load_generator

            return load_generator(handle)

        path = Path(handle.options["path"])
        arch = DUAL_ENCODERS[handle.options["model_type"]]
        placement = handle_placement(handle)
        # first: it is cheap, and a missing tokenizer library should not wait for the weights
        tokenizer = load_tokenizer(path, handle.spec)
        try:
            model_class = getattr(transformers, arch.model_class)
            model = from_pretrained(model_class.from_pretrained, path, placement)
        except Exception as err:  # safetensors, tokenizers and torch each raise their own types
            raise ModelLoadError(
                f"cannot load {handle.spec}: {err}",
                "check the directory holds a complete checkpoint (weights and tokenizer)",
            ) from err
        if arch.naflex:
            from vlmtrust.models.hf_naflex import HFNaflexEncoder, NaflexPreprocess

            naflex = NaflexPreprocess.read(path, arch, model)
            return HFNaflexEncoder(handle, model, tokenizer, arch, naflex, placement)
        from vlmtrust.models.hf_dual_tuning import HFTunableEncoder

        preprocess = Preprocess.read(path, arch, model)
        adapter = HFTunableEncoder if handle.tunable_roles else HFDualEncoder
        return adapter(handle, model, tokenizer, arch, preprocess, placement)


def handle_placement(handle: ModelHandle) -> Placement:
    """The placement resolved at planning (handles from before it existed: CPU float32)."""
    return Placement.model_validate(handle.options.get("placement", {}))


def from_pretrained(load: Callable[..., Any], path: Path, placement: Placement) -> Any:
    """``load(path, ...)`` (a ``from_pretrained``) in the placement's dtype and on its device,
    frozen for evaluation (gradients then flow to the pixels alone).

    SDPA attention is asked for; an architecture without it gets eager attention instead of an
    error (transformers 5 raises when sdpa is asked for explicitly and unsupported)."""
    kwargs: dict[str, Any] = {"local_files_only": True, "dtype": placement.torch_dtype}
    if placement.device_map:
        kwargs["device_map"] = placement.device_map
    try:
        model = load(path, attn_implementation="sdpa", **kwargs)
    except (ValueError, ImportError) as err:
        if "scaled_dot_product_attention" not in str(err) and "sdpa" not in str(err):
            raise
        model = load(path, attn_implementation="eager", **kwargs)
    if not placement.device_map:  # accelerate has placed the weights already
        model = model.to(placement.device)
    return model.eval().requires_grad_(False)


def _read_config(path: Path) -> dict[str, Any]:
    config_path = path / "config.json"
    if not config_path.is_file():
        raise ModelLoadError(
            f"{path} has no config.json, so it is not a transformers checkpoint",
            "pass the directory save_pretrained wrote",
        )
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ModelLoadError(
            f"{config_path} is not valid JSON ({err})", "restore the checkpoint's config.json"
        ) from err
    return config if isinstance(config, dict) else {}


def require_weights_and_tokenizer(path: Path) -> None:
    """A checkpoint without weights or tokenizer fails now, in planning, not at load."""
    if not any(file.name.endswith(_WEIGHT_SUFFIXES) for file in path.iterdir()):
        raise ModelLoadError(
            f"model directory {path} has no weight files (*.safetensors or *.bin)",
            "copy the complete checkpoint, weights included",
        )
    if not any((path / name).is_file() for name in _TOKENIZER_FILES):
        raise ModelLoadError(
            f"model directory {path} has no tokenizer ({', '.join(_TOKENIZER_FILES)})",
            "save the tokenizer beside the model (tokenizer.save_pretrained(DIR))",
        )


def checkpoint_fingerprint(path: Path) -> str:
    """sha256 over the name and content hash of every file that shapes the model's outputs."""
    parts: list[str] = []
    for file in sorted(path.iterdir()):
        if file.is_file() and (
            file.name in CHECKPOINT_FILES or file.name.endswith(_WEIGHT_SUFFIXES)
        ):
            parts += [file.name, file_sha256(file)]
    return sha256_hex(*parts)


@dataclass(frozen=True)
class Preprocess:
    """Resize (crop or squash) to the model's input size; mean/std are applied later, in torch."""

    size: int
    center_crop: bool
    mean: tuple[float, ...]
    std: tuple[float, ...]
    resample: int = 3  # PIL's filter number: 3 bicubic, 2 bilinear

    @classmethod
    def read(cls, path: Path, arch: DualEncoderArch, model: PreTrainedModel) -> Preprocess:
        """Follow the checkpoint's preprocessor_config.json, else the family's defaults."""
        config_path = path / "preprocessor_config.json"
        config = {}
        if config_path.is_file():
            config = json.loads(config_path.read_text(encoding="utf-8"))
        return cls(
            size=int(model.config.vision_config.image_size),
            center_crop=bool(config.get("do_center_crop", arch.center_crop)),
            mean=tuple(float(v) for v in config.get("image_mean", arch.mean)),
            std=tuple(float(v) for v in config.get("image_std", arch.std)),
            resample=int(config.get("resample", arch.resample)),
        )

    def pixels(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """(B, 3, size, size) float32 pixels in [0, 1] on the CPU, each image ``fit``."""
        if not images:
            return torch.empty((0, 3, self.size, self.size))
        batch = np.stack([np.asarray(self.fit(image)) for image in images])
        return torch.from_numpy(batch).permute(0, 3, 1, 2).float().div(255.0).contiguous()

    def fit(self, image: Image.Image) -> Image.Image:
        """Resize of the shorter side plus a centre crop (or a squash), as RGB."""
        image = image.convert("RGB")
        size = self.size
        resample = Image.Resampling(self.resample)
        if not self.center_crop:
            return image.resize((size, size), resample)
        width, height = image.size
        # transformers' arithmetic (the long side truncated), so pixels match its processor's
        longer = int(size * max(width, height) / min(width, height))
        new_w, new_h = (size, longer) if width <= height else (longer, size)
        image = image.resize((new_w, new_h), resample)
        left, top = (new_w - size) // 2, (new_h - size) // 2
        return image.crop((left, top, left + size, top + size))


class HFDualEncoder(ModelAdapter):
    """A CLIP-style model as Embedder, Classifier and Differentiable, sharing one pixel path."""

    def __init__(
        self,
        handle: ModelHandle,
        model: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        arch: DualEncoderArch,
        preprocess: Preprocess,
        placement: Placement | None = None,
    ) -> None:
        super().__init__(handle)
        # Any: transformers' per-architecture methods (get_image_features, logit_bias) are
        # not visible on PreTrainedModel to a type checker.
        self._model: Any = model
        self._tokenizer = tokenizer
        self._arch = arch
        self._preprocess = preprocess
        placement = placement or Placement()
        # where inputs go: the model's first weights (with device_map=auto, accelerate's hooks
        # move activations on from there)
        self._device = torch.device(model.device)
        self._dtype = placement.torch_dtype
        self._mean = torch.tensor(preprocess.mean).view(1, 3, 1, 1).to(self._device)
        self._std = torch.tensor(preprocess.std).view(1, 3, 1, 1).to(self._device)
        self._max_tokens = int(model.config.text_config.max_position_embeddings)
        self.embed_dim = arch.embed_dim(model.config)
        self._image_batches = BatchSizer(placement.batch_size, f"{handle.name} (images)")
        self._text_batches = BatchSizer(placement.batch_size, f"{handle.name} (texts)")
        # Label prompts repeat across every batch of a task: embed each distinct text once.
        self._text_cache: dict[str, np.ndarray] = {}

    def encode_image(self, images: Sequence[Image.Image]) -> np.ndarray:
        self._count()
        with torch.inference_mode():
            return self._embed_images(images).cpu().numpy()

    def encode_text(self, texts: Sequence[str]) -> np.ndarray:
        self._count()
        return self._text_embeddings(texts)

    def classify(self, images: Sequence[Image.Image], labels: Sequence[str]) -> np.ndarray:
        """Logits (images x labels); ``labels`` are the full texts, prompts already applied."""
        self._count()
        with torch.inference_mode():
            return self._logits(self._embed_images(images), labels).cpu().numpy()

    def to_pixels(self, images: Sequence[Image.Image]) -> torch.Tensor:
        self._count()
        return self._pixels(images)

    def pixel_logits(self, pixels: torch.Tensor, labels: Sequence[str]) -> torch.Tensor:
        """Logits as a function of [0, 1] pixels, differentiable for gradient attacks, as
        float32 on the pixels' device (the moves in and out keep the autograd graph)."""
        self._count()
        return self._logits(self._image_embeddings(pixels), labels).to(pixels.device)

    @contextmanager
    def second_order(self) -> Iterator[None]:
        """Eager attention inside the block, then the attention the model had: an attack that
        differentiates a gradient (gradient inversion's double backward) needs it, as SDPA's CPU
        kernels have no second derivative; every other task keeps SDPA's speed."""
        before = self._model.config._attn_implementation
        if before == "eager":
            yield
            return
        self._model.set_attn_implementation("eager")
        try:
            yield
        finally:
            self._model.set_attn_implementation(before)

    def _embed_images(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """Unit embeddings of images, as the model's own image processor would feed them, in
        passes the batch sizer halves on out-of-memory."""
        pixels = self._pixels(images)
        if not len(pixels):
            return self._image_embeddings(pixels)
        parts = self._image_batches.run(
            len(pixels), lambda rows: self._image_embeddings(pixels[rows])
        )
        return torch.cat(parts)

    def _pixels(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """[0, 1] float32 pixels on the CPU, where attacks make and change them."""
        return self._preprocess.pixels(images)

    def _image_embeddings(self, pixels: torch.Tensor) -> torch.Tensor:
        """Unit float32 embeddings on the model's device."""
        if pixels.shape[0] == 0:
            return torch.empty((0, self.embed_dim), device=self._device)
        normalised = (pixels.to(self._device, torch.float32) - self._mean) / self._std
        features = self._model.get_image_features(pixel_values=normalised.to(self._dtype))
        return _unit(_pooled(features))

    def _text_embeddings(self, texts: Sequence[str]) -> np.ndarray:
        missing = [text for text in dict.fromkeys(texts) if text not in self._text_cache]
        if missing:
            tokens = self._tokenizer(
                missing,
                padding="max_length" if self._arch.pad_to_max_length else "longest",
                truncation=True,
                max_length=self._max_tokens,
                return_tensors="pt",
            )
            names = ["input_ids", *(["attention_mask"] if self._arch.text_attention_mask else [])]
            inputs = {name: tokens[name].to(self._device) for name in names}
            with torch.inference_mode():
                parts = self._text_batches.run(
                    len(missing), lambda rows: self._text_features(inputs, rows)
                )
                vectors = torch.cat(parts).cpu().numpy()
            self._text_cache.update(zip(missing, vectors, strict=True))
        if not texts:
            return np.empty((0, self.embed_dim), dtype=np.float32)
        return np.stack([self._text_cache[text] for text in texts])

    def _text_features(self, inputs: dict[str, torch.Tensor], rows: slice) -> torch.Tensor:
        sliced = {name: tensor[rows] for name, tensor in inputs.items()}
        return _unit(_pooled(self._model.get_text_features(**sliced)))

    def _logits(self, image_embeddings: torch.Tensor, labels: Sequence[str]) -> torch.Tensor:
        device = image_embeddings.device
        text = torch.from_numpy(self._text_embeddings(labels)).to(device)
        scale = self._model.logit_scale.exp().float().to(device)
        logits: torch.Tensor = scale * image_embeddings @ text.T
        if self._arch.logit_bias:
            logits = logits + self._model.logit_bias.float().to(device)
        return logits


def _pooled(output: Any) -> torch.Tensor:
    """transformers 5 returns an output object whose ``pooler_output`` holds the projection."""
    if isinstance(output, torch.Tensor):
        return output
    pooled: torch.Tensor = output.pooler_output
    return pooled


def _unit(features: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.normalize(features.float(), dim=-1)
