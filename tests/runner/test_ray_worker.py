"""The actor's body, run without Ray: it scores a unit as the local executor does, with one
model load for many units, and moves a GPU model to the one GPU Ray shows an actor."""

from __future__ import annotations

from ray_processes import zero_shot_units as _units

from vlmtrust.models.base import resolve_model
from vlmtrust.runner.executor import LocalExecutor
from vlmtrust.runner.ray_worker import UnitWorker, on_cuda, on_visible_gpu


def test_worker_scores_like_the_local_executor_and_loads_once(tiny_clip):
    units = _units(f"hf:{tiny_clip}", 4)
    worker = UnitWorker(threads=1, gpu=False)
    results = [worker.run(unit) for unit in units]
    assert results == list(LocalExecutor().run(units))
    assert len(worker._cache._models) == 1
    worker.close()


def test_a_cuda_placement_moves_to_the_visible_gpu_and_keeps_its_fingerprint():
    handle = resolve_model("zoo:clip")
    assert not on_cuda(handle)
    assert on_visible_gpu(handle) is handle
    placed = {"device": "cuda:3", "dtype": "float32", "device_map": None, "batch_size": None}
    gpu = handle.model_copy(update={"options": {**handle.options, "placement": placed}})
    moved = on_visible_gpu(gpu)
    assert on_cuda(gpu) and moved.options["placement"]["device"] == "cuda:0"
    assert moved.fingerprint == gpu.fingerprint
    assert gpu.options["placement"]["device"] == "cuda:3"  # the driver's handle is untouched
