"""``batch_size=auto`` for local models: one forward pass over what the caller gives, halved on
out-of-memory, and the size that fit is kept for the rest of the run.

The rows of a batch are independent, so splitting a batch changes how much memory one pass
needs, never which rows come back or in what order. Only inference passes go through here: a
gradient pass keeps its activations until the caller's backward, so halving its forward would
not lower the peak.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import torch

from vlmtrust.core.errors import ModelLoadError

T = TypeVar("T")


def is_out_of_memory(err: BaseException) -> bool:
    """CUDA raises ``torch.OutOfMemoryError``; MPS and some CPU allocators a RuntimeError."""
    if isinstance(err, torch.OutOfMemoryError):
        return True
    return isinstance(err, RuntimeError) and "out of memory" in str(err).lower()


class BatchSizer:
    """Runs a forward pass over slices of a batch; ``fixed`` None means ``auto``."""

    def __init__(self, fixed: int | None, where: str) -> None:
        self.fixed = fixed
        #: the largest batch known to fit (None: nothing has failed yet, take it all)
        self.fits = fixed
        self._where = where

    def run(self, n: int, forward: Callable[[slice], T]) -> list[T]:
        """``forward`` over consecutive slices covering ``range(n)``, in order (one empty
        slice when ``n`` is 0, so the caller always has something to concatenate)."""
        if n == 0:
            return [forward(slice(0, 0))]
        parts: list[T] = []
        start = 0
        while start < n:
            size = n - start if self.fits is None else min(self.fits, n - start)
            try:
                parts.append(forward(slice(start, start + size)))
            except RuntimeError as err:  # torch.OutOfMemoryError is a RuntimeError
                if not is_out_of_memory(err):
                    raise
                if self.fixed is not None or size == 1:
                    raise self._exhausted(size) from err
            else:
                start += size
                continue
            # out of the except block, so the failed pass's tensors are freed before the retry
            self.fits = size // 2
            _release_cached_memory()
        return parts

    def _exhausted(self, size: int) -> ModelLoadError:
        fix = (
            "lower batch_size=, or use batch_size=auto"
            if size > 1
            else "use a smaller dtype (dtype=bfloat16), device_map=auto or a larger device"
        )
        return ModelLoadError(f"{self._where} ran out of memory at batch size {size}", fix)


def _release_cached_memory() -> None:
    """Hand the failed pass's cached blocks back before the smaller retry."""
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    if torch.backends.mps.is_available():
        torch.mps.empty_cache()
