"""Device and dtype resolution for hf: specs, as a pure function of the options and of the
accelerators (passed in), so the GPU branches are checked on a machine without one."""

from __future__ import annotations

import pytest
import torch

from vlmtrust.core.errors import ConfigError
from vlmtrust.models.placement import Accelerators, Placement, resolve_placement

SPEC = "hf:/models/clip"
CPU_ONLY = Accelerators(accelerate=True)
ONE_GPU = Accelerators(cuda_devices=1, cuda_bf16=True, accelerate=True)
TWO_OLD_GPUS = Accelerators(cuda_devices=2, cuda_bf16=False)
MAC = Accelerators(mps=True)


def _resolve(available: Accelerators, **options: str) -> Placement:
    return resolve_placement(options, SPEC, available)


@pytest.mark.parametrize(
    ("available", "device", "dtype"),
    [
        (CPU_ONLY, "cpu", "float32"),
        (ONE_GPU, "cuda:0", "bfloat16"),
        (TWO_OLD_GPUS, "cuda:0", "float16"),
        (MAC, "cpu", "float32"),  # auto never picks MPS
    ],
)
def test_auto_picks_the_first_gpu_in_its_best_half_precision_else_cpu_float32(
    available: Accelerators, device: str, dtype: str
) -> None:
    placement = _resolve(available)
    assert (placement.device, placement.dtype) == (device, dtype)
    assert placement == _resolve(available, device="auto", dtype="auto")
    assert placement.device_map is None and placement.batch_size is None


@pytest.mark.parametrize(
    ("available", "options", "device", "dtype"),
    [
        (ONE_GPU, {"device": "cuda"}, "cuda:0", "bfloat16"),
        (TWO_OLD_GPUS, {"device": "cuda:1"}, "cuda:1", "float16"),
        (ONE_GPU, {"device": "cpu"}, "cpu", "float32"),
        (ONE_GPU, {"dtype": "float32"}, "cuda:0", "float32"),
        (CPU_ONLY, {"dtype": "bfloat16"}, "cpu", "bfloat16"),
        (CPU_ONLY, {"device": "cpu", "dtype": "float16"}, "cpu", "float16"),
        (MAC, {"device": "mps"}, "mps", "float32"),
        (MAC, {"device": "mps", "dtype": "float16"}, "mps", "float16"),
    ],
)
def test_explicit_devices_and_dtypes_are_kept(
    available: Accelerators, options: dict[str, str], device: str, dtype: str
) -> None:
    placement = _resolve(available, **options)
    assert (placement.device, placement.dtype) == (device, dtype)


@pytest.mark.parametrize(
    ("available", "options", "names"),
    [
        (CPU_ONLY, {"device": "cuda"}, ["device=cuda", "no CUDA GPU", "device=cpu"]),
        (CPU_ONLY, {"device": "cuda:0"}, ["device=cuda:0", "no CUDA GPU"]),
        (TWO_OLD_GPUS, {"device": "cuda:2"}, ["device=cuda:2", "2 CUDA GPU", "cuda:0 to cuda:1"]),
        (CPU_ONLY, {"device": "mps"}, ["device=mps", "MPS", "device=cpu"]),
        (CPU_ONLY, {"device": "tpu"}, ["device='tpu'", "auto, cpu, cuda, cuda:N, mps"]),
        (CPU_ONLY, {"device": "cuda:x"}, ["device='cuda:x'", "cuda:N"]),
        (CPU_ONLY, {"dtype": "float8"}, ["dtype='float8'", "auto, float32, bfloat16, float16"]),
        (CPU_ONLY, {"dtype": "fp16"}, ["dtype='fp16'", "float16"]),
        (CPU_ONLY, {"batch_size": "0"}, ["batch_size='0'", "batch_size=auto"]),
        (CPU_ONLY, {"batch_size": "big"}, ["batch_size='big'", "batch_size=16"]),
        (CPU_ONLY, {"device_map": "balanced"}, ["device_map='balanced'", "device_map=auto"]),
        (ONE_GPU, {"device_map": "auto", "device": "cuda"}, ["both device and device_map"]),
        (ONE_GPU.model_copy(update={"accelerate": False}), {"device_map": "auto"}, ["accelerate"]),
    ],
)
def test_bad_or_unavailable_options_are_one_line_errors_naming_the_fix(
    available: Accelerators, options: dict[str, str], names: list[str]
) -> None:
    with pytest.raises(ConfigError) as err:
        _resolve(available, **options)
    message = str(err.value)
    assert "\n" not in message and SPEC in message
    for name in names:
        assert name in message


def test_device_map_auto_spreads_over_the_gpus_with_inputs_on_the_first() -> None:
    placement = _resolve(ONE_GPU, device_map="auto")
    assert (placement.device_map, placement.device, placement.dtype) == (
        "auto",
        "cuda:0",
        "bfloat16",
    )
    on_cpu = _resolve(CPU_ONLY, device_map="auto")
    assert (on_cpu.device_map, on_cpu.device, on_cpu.dtype) == ("auto", "cpu", "float32")


def test_batch_size_is_auto_or_a_fixed_cap() -> None:
    assert _resolve(CPU_ONLY, batch_size="auto").batch_size is None
    assert _resolve(CPU_ONLY, batch_size="16").batch_size == 16


def test_fingerprint_tracks_the_dtype_but_not_the_device() -> None:
    weights = "ab" * 32
    assert _resolve(CPU_ONLY).fingerprint(weights) == weights  # float32: keys as before
    assert _resolve(ONE_GPU, dtype="float32").fingerprint(weights) == weights
    half = {
        dtype: _resolve(CPU_ONLY, dtype=dtype).fingerprint(weights)
        for dtype in ("bfloat16", "float16")
    }
    assert len({weights, *half.values()}) == 3
    assert _resolve(ONE_GPU).fingerprint(weights) == half["bfloat16"]  # cuda:0 bf16 == cpu bf16
    assert _resolve(TWO_OLD_GPUS, device="cuda:1").fingerprint(weights) == half["float16"]


def test_torch_dtype_names_the_tensor_type() -> None:
    assert Placement(dtype="bfloat16").torch_dtype is torch.bfloat16
    assert Placement().torch_dtype is torch.float32
