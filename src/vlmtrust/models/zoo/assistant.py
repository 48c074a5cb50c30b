"""``zoo:assistant``: a small generative VLM (image + prompt -> text).

The frozen ``zoo:clip`` image tower gives a 4x4 feature map, projected to 16 prefix tokens;
a 2-layer decoder-only transformer reads [image tokens, prompt, <sep>] and writes the answer
word by word (greedy). Text-only requests get a learnt "no image" prefix instead.

Tunable (``core.capabilities``): its decoder, taught by the next-word loss it was trained with;
a delta is the tuned decoder, saved like the shipped one (float16, vocabulary in metadata).
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from PIL import Image
from pydantic import BaseModel, ConfigDict
from safetensors.torch import load_file, save_file
from torch import nn

from vlmtrust.core.capabilities import Lora, Rollout
from vlmtrust.core.chat import Conversation, GenerationOptions, chat_by_flattening
from vlmtrust.models.base import ModelAdapter, ModelHandle, NotADualEncoder, copied_module
from vlmtrust.models.zoo import ASSISTANT_ROLES, offered_module
from vlmtrust.models.zoo.tower import CHANNELS, ImageTower, to_pixels
from vlmtrust.models.zoo.vocab import Vocab

IMAGE_TOKENS = 16
#: a tuned decoder in a trainer's artifact
ASSISTANT_FILE = "assistant.safetensors"


class DecoderConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    vocab_size: int
    width: int = 256
    layers: int = 2
    heads: int = 4
    max_len: int = 96


class Decoder(nn.Module):
    """Image prefix + causal transformer over words; logits for the next word."""

    def __init__(self, config: DecoderConfig) -> None:
        super().__init__()
        self.config = config
        d = config.width
        self.image_proj = nn.Linear(CHANNELS[-1], d)
        self.no_image = nn.Parameter(torch.zeros(IMAGE_TOKENS, d))
        self.embed = nn.Embedding(config.vocab_size, d)
        nn.init.normal_(self.embed.weight, std=0.02)  # tied output head: keep first logits small
        self.position = nn.Parameter(torch.zeros(config.max_len, d))
        nn.init.normal_(self.position, std=0.02)
        layer = nn.TransformerEncoderLayer(
            d, config.heads, 4 * d, dropout=0.0, batch_first=True, norm_first=True
        )
        self.blocks = nn.TransformerEncoder(layer, config.layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)

    def prefix(self, fmap: torch.Tensor | None, has_image: torch.Tensor) -> torch.Tensor:
        """(B, 16, d): projected image features, or the learnt no-image prefix."""
        batch = has_image.shape[0]
        blank = self.no_image.unsqueeze(0).expand(batch, -1, -1)
        if fmap is None:
            return blank
        tokens = self.image_proj(fmap.flatten(2).transpose(1, 2))
        return torch.where(has_image[:, None, None], tokens, blank)

    def forward(self, prefix: torch.Tensor, ids: torch.Tensor, pad: int = 0) -> torch.Tensor:
        """Logits (B, T, vocab) for every text position (``states`` read by the tied head)."""
        logits: torch.Tensor = self.states(prefix, ids, pad) @ self.embed.weight.T
        return logits

    def states(self, prefix: torch.Tensor, ids: torch.Tensor, pad: int = 0) -> torch.Tensor:
        """The last layer's normalised hidden states (B, T, width) at every text position:
        what the output head reads, and what a group adversary probes.

        Pads (left of a prompt, right of an answer) are masked out and take no position, so a
        sequence is computed the same whatever else shares its batch: without this the model
        learns where answers start in a typical padded batch and fails on any other.
        """
        is_pad = ids == pad
        text_positions = ((~is_pad).cumsum(dim=1) - 1).clamp(min=0) + IMAGE_TOKENS
        x = torch.cat(
            [
                prefix + self.position[:IMAGE_TOKENS],
                self.embed(ids) + self.position[text_positions],
            ],
            dim=1,
        )
        length = x.shape[1]
        image_keys = torch.zeros(len(ids), IMAGE_TOKENS, dtype=torch.bool)
        keep_out = torch.cat([image_keys, is_pad], dim=1)
        mask = torch.ones(length, length, dtype=torch.bool).triu(1)
        hidden: torch.Tensor = self.norm(
            self.blocks(x, mask=mask, src_key_padding_mask=keep_out, is_causal=True)
        )
        return hidden[:, IMAGE_TOKENS:]


def save_assistant(path: Path, decoder: Decoder, vocab: Vocab) -> None:
    """Weights (float16, to keep the package small) plus config and vocabulary in metadata."""
    state = {k: v.detach().half().contiguous() for k, v in decoder.state_dict().items()}
    meta = {"config": decoder.config.model_dump_json(), "vocab": json.dumps(vocab.tokens)}
    save_file(state, str(path), metadata=meta)


def load_assistant(path: Path) -> tuple[Decoder, Vocab]:
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        meta = handle.metadata()
    decoder = Decoder(DecoderConfig.model_validate_json(meta["config"]))
    decoder.load_state_dict({k: v.float() for k, v in load_file(str(path)).items()})
    decoder.eval()
    return decoder, Vocab(json.loads(meta["vocab"]))


def prompt_words(config: DecoderConfig) -> int:
    """How many prompt words training and scoring keep: 40 for the shipped 96-position
    decoders (as they were trained), all that fits beside a 40-word answer for a longer one
    (the chat organisms read whole flattened conversations)."""
    return max(40, config.max_len - IMAGE_TOKENS - 42)


def encode_prompt(vocab: Vocab, prompt: str, max_prompt: int) -> list[int]:
    """[<bos>, prompt words (the last ``max_prompt``), <sep>]: the answer starts after <sep>."""
    return [vocab.bos, *vocab.encode(prompt)[-max_prompt:], vocab.sep]


@dataclass(frozen=True)
class Contrast:
    """A counterfactual branch decoded beside the full one (counterfactual-VQA style): each
    step's choice is log p(full) - strength * log p(branch), among the tokens whose full
    probability is at least ``plausibility`` times the best one's (so the subtraction cannot
    promote a token the full model finds implausible)."""

    prefix: torch.Tensor
    strength: float
    plausibility: float

    def scores(self, full: torch.Tensor, branch: torch.Tensor) -> torch.Tensor:
        logp = full.log_softmax(-1)
        adjusted = logp - self.strength * branch.log_softmax(-1)
        floor = logp.max(-1, keepdim=True).values + math.log(self.plausibility)
        return adjusted.masked_fill(logp < floor, float("-inf"))


def decode_tokens(
    decoder: Decoder,
    vocab: Vocab,
    fmap: torch.Tensor | None,
    has_image: torch.Tensor,
    prompts: Sequence[str],
    max_new_tokens: int,
    pick: Callable[[torch.Tensor], torch.Tensor],
    contrast: Contrast | None = None,
) -> tuple[list[list[int]], list[list[int]]]:
    """(encoded prompts, answer token ids): batched decoding, prompts left-padded so every
    answer starts together, ``pick`` choosing each row's next word from the last step's logits
    (argmax for greedy answers, a seeded draw for a policy's samples); a row stops after
    ``<eos>``; with a ``contrast``, the logits are its scores against its branch. The caller
    chooses the grad mode."""
    budget = decoder.config.max_len - IMAGE_TOKENS - max_new_tokens
    encoded = [encode_prompt(vocab, p, budget - 2) for p in prompts]
    width = max(len(e) for e in encoded)
    ids = torch.tensor([[vocab.pad] * (width - len(e)) + e for e in encoded])
    prefix = decoder.prefix(fmap, has_image)
    done = torch.zeros(len(prompts), dtype=torch.bool)
    out: list[list[int]] = [[] for _ in prompts]
    for _ in range(max_new_tokens):
        logits = decoder(prefix, ids)[:, -1]
        if contrast is not None:
            logits = contrast.scores(logits, decoder(contrast.prefix, ids)[:, -1])
        nxt = pick(logits)
        for i, token in enumerate(nxt.tolist()):
            if not done[i]:
                out[i].append(token)
        done |= nxt == vocab.eos
        if bool(done.all()):
            break
        ids = torch.cat([ids, nxt[:, None]], dim=1)
    return encoded, out


@torch.inference_mode()
def greedy(
    decoder: Decoder,
    vocab: Vocab,
    fmap: torch.Tensor | None,
    has_image: torch.Tensor,
    prompts: Sequence[str],
    max_new_tokens: int,
    contrast: Contrast | None = None,
) -> list[str]:
    """Batched greedy decoding (the answers every zoo:assistant result is scored on)."""
    _, out = decode_tokens(
        decoder,
        vocab,
        fmap,
        has_image,
        prompts,
        max_new_tokens,
        lambda logits: logits.argmax(-1),
        contrast,
    )
    return [vocab.decode(o) for o in out]


class ZooAssistant(NotADualEncoder, ModelAdapter):
    """Generator over the frozen tower and the trained decoder; Differentiable too: the
    log-likelihood of candidate answers is a differentiable function of the pixels."""

    dual_encoder_hint = "a dual encoder (zoo:clip)"

    def __init__(self, handle: ModelHandle, tower_weights: Path, weights: Path) -> None:
        from vlmtrust.models.zoo.clip import load_tower

        super().__init__(handle)
        self.tower: ImageTower = load_tower(tower_weights)[0]
        self.decoder, self.vocab = load_assistant(weights)
        self.max_new_tokens = 40

    def generate(self, images: Sequence[Image.Image | None], prompts: Sequence[str]) -> list[str]:
        return self._answers(images, prompts, self.max_new_tokens)

    def generate_contrasted(
        self,
        images: Sequence[Image.Image | None],
        prompts: Sequence[str],
        branch: str,
        strength: float,
        plausibility: float,
    ) -> list[str]:
        """Greedy answers with a counterfactual branch subtracted (:class:`Contrast`): the
        same prompt with no image (``question``: the learnt no-image prefix) or with a blank
        grey image (``blank``)."""
        self._count()
        fmap, has_image = self._features(images)
        if branch == "question":
            branch_prefix = self.decoder.prefix(None, torch.zeros_like(has_image))
        else:
            grey = Image.new("RGB", (64, 64), (128, 128, 128))
            blank_fmap, blank_has = self._features([grey] * len(images))
            branch_prefix = self.decoder.prefix(blank_fmap, blank_has)
        contrast = Contrast(branch_prefix.detach(), strength, plausibility)
        return greedy(
            self.decoder, self.vocab, fmap, has_image, prompts, self.max_new_tokens, contrast
        )

    def chat(self, conversations: Sequence[Conversation], options: GenerationOptions) -> list[str]:
        """Conversations flattened (:func:`vlmtrust.core.chat.flatten`): a 2-layer decoder has
        no chat format; it decodes greedily whatever the temperature, up to its 40 tokens."""
        tokens = min(options.max_tokens or self.max_new_tokens, self.max_new_tokens)
        return chat_by_flattening(
            lambda images, prompts: self._answers(images, prompts, tokens), conversations, options
        )

    def _answers(
        self, images: Sequence[Image.Image | None], prompts: Sequence[str], max_new_tokens: int
    ) -> list[str]:
        self._count()
        fmap, has_image = self._features(images)
        return greedy(self.decoder, self.vocab, fmap, has_image, prompts, max_new_tokens)

    def _features(
        self, images: Sequence[Image.Image | None]
    ) -> tuple[torch.Tensor | None, torch.Tensor]:
        """(the frozen tower's feature maps, or None when no request has an image; which do)."""
        has_image = torch.tensor([img is not None for img in images])
        if not bool(has_image.any()):
            return None, has_image
        filler = Image.new("RGB", (8, 8))
        pixels = to_pixels([img if img is not None else filler for img in images])
        with torch.inference_mode():
            fmap: torch.Tensor = self.tower(pixels)[1]
        return fmap.clone(), has_image

    def to_pixels(self, images: Sequence[Image.Image]) -> torch.Tensor:
        return to_pixels(images)

    def pixel_logits(
        self, pixels: torch.Tensor, labels: Sequence[str], prompt: str = "describe the image."
    ) -> torch.Tensor:
        """(images, labels): total log-probability of answering ``prompt`` with each label,
        so gradient attacks can push an answer towards (or away from) a target."""
        fmap: torch.Tensor = self.tower(pixels)[1]
        prefix = self.decoder.prefix(fmap, torch.ones(len(pixels), dtype=torch.bool))
        asked = encode_prompt(self.vocab, prompt, 40)
        columns = []
        for label in labels:
            answer = [*self.vocab.encode(label), self.vocab.eos]
            ids = torch.tensor([asked + answer]).expand(len(pixels), -1)
            logp = self.decoder(prefix, ids).log_softmax(-1)[:, len(asked) - 1 : -1]
            columns.append(logp.gather(-1, ids[:, len(asked) :, None]).sum(dim=(1, 2)))
        return torch.stack(columns, dim=1)

    def answer_logprob(
        self, images: Sequence[Image.Image | None], prompts: Sequence[str], answers: Sequence[str]
    ) -> list[float]:
        """Total log-probability (nats) of each answer given its image and prompt: the
        likelihood that canary exposure ranks secrets by. Batched: prompts left-padded,
        answers right-padded; pads are masked out, so a row scores the same in any batch."""
        out: list[float] = []
        for start in range(0, len(prompts), 256):
            end = start + 256
            out.extend(
                self._logprob_batch(images[start:end], prompts[start:end], answers[start:end])
            )
        return out

    @torch.inference_mode()
    def _logprob_batch(
        self, images: Sequence[Image.Image | None], prompts: Sequence[str], answers: Sequence[str]
    ) -> list[float]:
        fmap, has_image = self._features(images)
        budget = self.decoder.config.max_len - IMAGE_TOKENS
        kept = prompt_words(self.decoder.config)
        asked = [encode_prompt(self.vocab, p, kept) for p in prompts]
        said = [[*self.vocab.encode(a), self.vocab.eos] for a in answers]
        left = max(len(a) for a in asked)
        right = max(len(s) for s in said)
        pad = self.vocab.pad
        rows = [
            [pad] * (left - len(a)) + a + s + [pad] * (right - len(s))
            for a, s in zip(asked, said, strict=True)
        ]
        ids = torch.tensor(rows)[:, :budget]
        logp = self.decoder(self.decoder.prefix(fmap, has_image), ids).log_softmax(-1)
        targets = ids[:, left:]
        picked = logp[:, left - 1 : -1].gather(-1, targets[..., None])[..., 0]
        totals: list[float] = (picked * (targets != pad)).sum(dim=1).tolist()
        return totals

    # Policy: sampling and scoring its own answers for policy-gradient trainers

    def sample_answers(
        self,
        tuned: Mapping[str, nn.Module],
        images: Sequence[Image.Image | None],
        prompts: Sequence[str],
        temperature: float,
        seed: int,
    ) -> Rollout:
        from vlmtrust.models.zoo.assistant_policy import sample_tokens

        fmap, has_image = self._features(images)
        sampled = sample_tokens(
            self._tuned_decoder(tuned),
            self.vocab,
            fmap,
            has_image,
            prompts,
            self.max_new_tokens,
            temperature,
            seed,
        )
        texts = tuple(self.vocab.decode(list(a)) for a in sampled.answers)
        return Rollout(texts, sampled)

    def answer_logprobs(
        self, tuned: Mapping[str, nn.Module], rollout: Rollout
    ) -> tuple[torch.Tensor, torch.Tensor]:
        from vlmtrust.models.zoo.assistant_policy import SampledTokens, token_logprobs

        assert isinstance(rollout.state, SampledTokens), "a rollout of another model"
        return token_logprobs(self._tuned_decoder(tuned), self.vocab, rollout.state)

    def _tuned_decoder(self, tuned: Mapping[str, nn.Module]) -> Decoder:
        decoder = tuned.get("decoder", self.decoder)
        assert isinstance(decoder, Decoder)
        return decoder

    # Tunable: what the trainers fine-tune through

    def tunable_roles(self) -> frozenset[str]:
        return ASSISTANT_ROLES

    def module(self, role: str) -> nn.Module:
        return offered_module(self.handle.name, {"decoder": self.decoder}, role)

    def trainable(self, role: str, lora: Lora | None = None) -> AbstractContextManager[nn.Module]:
        """A deep copy of ``module(role)``: the organism is small enough to tune whole, so
        ``lora`` is not used."""
        return copied_module(self.module(role))

    def answer_loss(
        self, tuned: Mapping[str, nn.Module], examples: Sequence[Any]
    ) -> Callable[[torch.Tensor], torch.Tensor]:
        """Next-word cross-entropy over the frozen tower's features (the organism's own
        objective, ``assistant_training.decoder_loss``) with the tuned decoder."""
        from vlmtrust.models.zoo.assistant_training import decoder_loss

        decoder = tuned["decoder"]
        assert isinstance(decoder, Decoder)
        return decoder_loss(decoder, self.vocab, self.tower, examples)

    def answer_states(
        self, tuned: Mapping[str, nn.Module], examples: Sequence[Any]
    ) -> Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
        """The tuned decoder's last hidden states at the positions that write each answer
        (``assistant_training.decoder_states``, rows laid out as ``answer_loss`` lays them)."""
        from vlmtrust.models.zoo.assistant_training import decoder_states

        return decoder_states(self._tuned_decoder(tuned), self.vocab, self.tower, examples)

    def save_delta(self, out: Path, tuned: Mapping[str, nn.Module]) -> None:
        for role in tuned:
            self.module(role)  # an unknown role fails here, not silently
        decoder = tuned.get("decoder", self.decoder)
        assert isinstance(decoder, Decoder)
        save_assistant(out / ASSISTANT_FILE, decoder, self.vocab)

    def load_delta(self, artifact: Path) -> ZooAssistant:
        """A shallow copy with the tuned decoder in place (the base model stays as it was)."""
        tuned = copy.copy(self)
        tuned.decoder, tuned.vocab = load_assistant(artifact / ASSISTANT_FILE)
        return tuned
