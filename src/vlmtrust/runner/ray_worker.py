"""The Ray actor's body: a plain class, so it is tested without Ray and wrapped by
``ray.remote`` only when a Ray executor starts (``runner.ray_executor``).

One worker holds one ``ModelCache``, so a model loads once per actor and fingerprint, exactly as
it loads once per process in the local executor.
"""

from __future__ import annotations

import os
from typing import Any

from vlmtrust.models.base import ModelHandle
from vlmtrust.runner.executor import ModelCache, UnitResult, WorkUnit, execute_unit


def on_cuda(handle: ModelHandle) -> bool:
    """Whether the handle's resolved placement puts the model on a CUDA GPU (``hf:?device=``)."""
    placement = handle.options.get("placement")
    device = placement.get("device", "cpu") if isinstance(placement, dict) else "cpu"
    return isinstance(device, str) and device.startswith("cuda")


def on_visible_gpu(handle: ModelHandle) -> ModelHandle:
    """The handle moved to ``cuda:0``: Ray shows an actor only the GPU it was given, as device 0,
    so a ``cuda:N`` the driver resolved would not exist there (the device is not part of the
    fingerprint, so keys do not change)."""
    placement = handle.options.get("placement")
    if not isinstance(placement, dict) or not on_cuda(handle):
        return handle
    options = {**handle.options, "placement": {**placement, "device": "cuda:0"}}
    return handle.model_copy(update={"options": options})


class UnitWorker:
    """Runs work units in a Ray actor process with its share of the CPU threads."""

    def __init__(self, threads: int, gpu: bool) -> None:
        import torch

        torch.set_num_threads(max(1, threads))
        self._gpu = gpu
        self._cache = ModelCache()

    def pid(self) -> int:
        """The actor's process id (tests kill it to prove a lost worker is survived)."""
        return os.getpid()

    def run(self, unit: WorkUnit) -> UnitResult:
        if self._gpu:
            unit = unit.model_copy(update={"model": on_visible_gpu(unit.model)})
        return execute_unit(unit, self._cache)

    def close(self) -> Any:
        self._cache.close()
        return None
