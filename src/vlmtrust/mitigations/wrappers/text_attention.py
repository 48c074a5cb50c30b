"""Attention adjustment in the text tower (the review's "adjusting attention in text encoders"):
every self-attention layer of the text encoder attends less to group-indicating tokens, so a
query's embedding is built less from them.

Mechanism: an additive bias of log(1 - ``strength``) on the attention logits of every query
towards a group token (as a key), in every layer and head: softmax then gives that token
(1 - strength) times the weight it had before, re-normalised over the others; strength 1 masks
it out. With ``pool`` the token's weight in the mean pooling that makes the sentence embedding
is scaled the same way (the pooling is the encoder's last attention over tokens).

Which tokens indicate the group (``tokens``):
- ``words``: the words of ``words`` (default: the world's own group words and common gendered
  English ones);
- ``direction``: any word whose own text embedding projects on the model's group direction
  (the unit vector from the group B to the group A image centroid of held-out world twins, as
  ``fairness.prompt_bias`` measures it) by more than ``threshold`` in absolute value. On
  zoo:clip the group is drawn as a skin tone and its image tower learnt it as a stand-in for
  the occupation, so occupation and colour words are what leans: attenuating them is the cost.

Works on the zoo's dual encoders, whose text tower is MiniLM (a BERT); text embeddings (and
``classify``, built from them) change, image embeddings do not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import torch
from PIL import Image
from pydantic import Field

from vlmtrust.core.errors import CapabilityError
from vlmtrust.core.spec import Params
from vlmtrust.mitigations.base import WrappedModel, Wrapper
from vlmtrust.mitigations.wrappers.debias_projection import LOGIT_SCALE
from vlmtrust.models.base import ModelHandle

GROUP_WORDS: tuple[str, ...] = (
    "group",
    "man",
    "men",
    "woman",
    "women",
    "male",
    "female",
    "boy",
    "girl",
    "he",
    "she",
    "his",
    "her",
)


class TextAttentionParams(Params):
    strength: float = Field(
        default=0.9,
        ge=0.0,
        le=1.0,
        description="share of attention taken from group tokens (1 masks them out)",
    )
    tokens: Literal["words", "direction"] = Field(
        default="words",
        description="group tokens: the words of `words`, or words projecting on the group "
        "direction beyond `threshold`",
    )
    words: tuple[str, ...] = Field(default=GROUP_WORDS, description="group words (tokens=words)")
    threshold: float = Field(
        default=0.15, gt=0.0, description="|projection| that marks a word (tokens=direction)"
    )
    pool: bool = Field(default=True, description="also scale group tokens in the mean pooling")
    pairs: int = Field(default=200, ge=10, description="held-out twin pairs (tokens=direction)")
    seed: int = Field(default=7_400_001, description="seed of the held-out twins")


class TextAttention(Wrapper):
    Params = TextAttentionParams
    params: TextAttentionParams
    requires = ("Embedder",)
    #: image embeddings are left as they are
    acts_on = frozenset({"encode_text", "classify"})

    def check_model(self, handle: ModelHandle) -> None:
        if handle.kind != "zoo":
            raise CapabilityError(
                f"text_attention adjusts the zoo's MiniLM text tower; {handle.name} has none "
                "it can reach",
                "use it with zoo:clip (or zoo:clip-fair), or mitigate with debias_projection",
            )

    def wrap(self, model: Any) -> AttentionAdjusted:
        encoder = getattr(model, "text", None)
        if encoder is None or not hasattr(encoder, "tokenizer"):
            raise CapabilityError(
                "text_attention needs a dual encoder with a MiniLM text tower (model.text)",
                "use it with zoo:clip, or mitigate with debias_projection",
            )
        marks = (
            WordList(self.params.words)
            if self.params.tokens == "words"
            else DirectionMarks(model, self.params)
        )
        return AttentionAdjusted(model, encoder, marks, self.params)


class WordList:
    """Marks the words of a fixed list."""

    def __init__(self, words: Sequence[str]) -> None:
        self.words = frozenset(w.lower() for w in words)

    def __call__(self, word: str) -> bool:
        return word in self.words


class DirectionMarks:
    """Marks a word whose own (unadjusted) text embedding leans on the group direction."""

    def __init__(self, model: Any, params: TextAttentionParams) -> None:
        from vlmtrust.data.world.twins import twin_samples

        twins = twin_samples(params.seed, params.pairs)
        images = np.asarray(model.encode_image([s.load_image() for s in twins]))
        diff = (images[0::2] - images[1::2]).mean(axis=0)
        self.direction = diff / np.linalg.norm(diff)
        self.model = model
        self.threshold = params.threshold
        self.known: dict[str, bool] = {}

    def __call__(self, word: str) -> bool:
        if word not in self.known:
            embedding = np.asarray(self.model.encode_text([word]))[0]
            self.known[word] = abs(float(embedding @ self.direction)) > self.threshold
        return self.known[word]


def key_weights(encoder: Any, texts: list[str], marks: Any, strength: float) -> Any:
    """(tokenised batch, (B, T) weights: 1 for a plain token, 1 - strength for a group one,
    0 for padding)."""
    batch = encoder.tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
    weights = batch["attention_mask"].to(torch.float32).clone()
    for row, text in enumerate(texts):
        for position, word_id in enumerate(batch.word_ids(row)):
            if word_id is None:
                continue
            span = batch.word_to_chars(row, word_id)
            if marks(text[span.start : span.end].lower()):
                weights[row, position] *= 1.0 - strength
    return batch, weights


@torch.inference_mode()
def adjusted_embeddings(
    encoder: Any, texts: list[str], marks: Any, strength: float, pool: bool
) -> np.ndarray:
    """MiniLM's sentence embeddings with the attention bias log(weight) on every key (a
    prepared 4D additive mask, which BERT uses as given) and, with ``pool``, weighted pooling."""
    batch, weights = key_weights(encoder, texts, marks, strength)
    floor = torch.finfo(torch.float32).min
    bias = torch.where(weights > 0, weights.clamp(min=1e-30).log(), torch.tensor(floor))
    length = weights.shape[1]
    mask = bias[:, None, None, :].expand(-1, 1, length, -1).contiguous()
    hidden = encoder.model(input_ids=batch["input_ids"], attention_mask=mask).last_hidden_state
    pooling = weights if pool else batch["attention_mask"].to(torch.float32)
    pooling = pooling.unsqueeze(-1)
    pooled = (hidden * pooling).sum(1) / pooling.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1).numpy().astype(np.float32)


class AttentionAdjusted(WrappedModel):
    """The same dual encoder whose text embeddings come from the adjusted text tower."""

    def __init__(self, inner: Any, encoder: Any, marks: Any, params: TextAttentionParams) -> None:
        super().__init__(inner)
        self.encoder = encoder
        self.marks = marks
        self.params = params
        self.cache: dict[str, np.ndarray] = {}

    def encode_text(self, texts: Sequence[str]) -> np.ndarray:
        self.inner.encode_text([])  # counted as a call of the model, as the inner one's is
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        for start in range(0, len(missing), 256):
            chunk = missing[start : start + 256]
            vectors = adjusted_embeddings(
                self.encoder, chunk, self.marks, self.params.strength, self.params.pool
            )
            self.cache.update(zip(chunk, vectors, strict=True))
        if not texts:
            return np.zeros((0, self.encoder.model.config.hidden_size), dtype=np.float32)
        return np.stack([self.cache[t] for t in texts])

    def classify(self, images: Sequence[Image.Image], labels: Sequence[str]) -> np.ndarray:
        images_emb = np.asarray(self.inner.encode_image(images), dtype=np.float32)
        scale = float(self.inner.logit_scale()) if hasattr(self.inner, "logit_scale") else None
        return np.asarray((scale or LOGIT_SCALE) * images_emb @ self.encode_text(labels).T)
