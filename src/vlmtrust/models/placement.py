"""Where an ``hf:`` model runs and in what precision: ``?device=``, ``?dtype=``,
``?device_map=`` and ``?batch_size=``, resolved once, at planning.

Resolution is a pure function of the options and of the accelerators torch sees (an
:class:`Accelerators` record), so every branch is testable on a machine without a GPU. The
dtype changes the numbers a model computes, so it joins the fingerprint (only when it is not
float32, so the keys of existing float32 results do not change); the device does not.

``device=auto`` picks the first CUDA GPU, never MPS: MPS lacks some operators (a default scan
would fail where CPU works) and cannot be tested here, so it is used only when asked for.
``dtype=auto`` is bfloat16 on a GPU that supports it (float16 on one that does not) and float32
on CPU and MPS: float16 overflows in some attention softmaxes and MPS has bfloat16 only from
macOS 14, so float32 is the one precision that works everywhere there.
"""

from __future__ import annotations

import importlib.util
import re
from typing import Literal

import torch
from pydantic import BaseModel, ConfigDict

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import sha256_hex

DType = Literal["float32", "bfloat16", "float16"]
DTYPES: tuple[DType, ...] = ("float32", "bfloat16", "float16")
#: the query options this module owns (the rest of an ``hf:`` spec's options are the model's)
OPTIONS = ("device", "dtype", "device_map", "batch_size")
_DEVICE = re.compile(r"auto|cpu|mps|cuda(:\d+)?")
_DEVICES = "auto, cpu, cuda, cuda:N, mps"
_TORCH_DTYPES: dict[DType, torch.dtype] = {
    "float32": torch.float32,
    "bfloat16": torch.bfloat16,
    "float16": torch.float16,
}


class Accelerators(BaseModel):
    """What this process's torch can run on; passed in, so resolution needs no GPU to test."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cuda_devices: int = 0
    cuda_bf16: bool = False
    mps: bool = False
    accelerate: bool = False

    @classmethod
    def detect(cls) -> Accelerators:
        cuda = torch.cuda.device_count() if torch.cuda.is_available() else 0
        return cls(
            cuda_devices=cuda,
            cuda_bf16=bool(cuda and torch.cuda.is_bf16_supported()),
            mps=torch.backends.mps.is_available(),
            accelerate=importlib.util.find_spec("accelerate") is not None,
        )


class Placement(BaseModel):
    """A resolved placement: a concrete device and dtype, never ``auto``.

    ``batch_size`` None is ``auto`` (the caller's batch, halved on out-of-memory); a number is a
    fixed cap per forward pass. ``device_map`` ``auto`` spreads the weights with accelerate;
    ``device`` is then where the inputs start."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    device: str = "cpu"
    dtype: DType = "float32"
    device_map: Literal["auto"] | None = None
    batch_size: int | None = None

    @property
    def torch_dtype(self) -> torch.dtype:
        return _TORCH_DTYPES[self.dtype]

    def fingerprint(self, weights: str) -> str:
        """The model fingerprint: ``weights`` alone in float32 (unchanged keys), else with the
        dtype mixed in, since other precisions give other numbers."""
        return weights if self.dtype == "float32" else sha256_hex(weights, f"dtype={self.dtype}")


def resolve_placement(options: dict[str, str], spec: str, available: Accelerators) -> Placement:
    """``device``/``dtype``/``device_map``/``batch_size`` options -> a Placement; a bad or
    unavailable value is a one-line ConfigError naming the option and what to write."""
    device = options.get("device", "auto")
    dtype = options.get("dtype", "auto")
    device_map = options.get("device_map")
    if not _DEVICE.fullmatch(device):
        raise ConfigError(
            f"option device={device!r} in {spec} is not a device",
            f"write one of {_DEVICES}",
        )
    if dtype != "auto" and dtype not in DTYPES:
        raise ConfigError(
            f"option dtype={dtype!r} in {spec} is not a supported precision",
            f"write one of auto, {', '.join(DTYPES)}",
        )
    if device_map is not None:
        _check_device_map(device_map, device, spec, available)
    concrete = _device(device, spec, available)
    return Placement(
        device=concrete,
        dtype=_dtype(dtype, concrete, available),
        device_map="auto" if device_map else None,
        batch_size=_batch_size(options.get("batch_size", "auto"), spec),
    )


def _check_device_map(device_map: str, device: str, spec: str, available: Accelerators) -> None:
    if device_map != "auto":
        raise ConfigError(
            f"option device_map={device_map!r} in {spec} is not supported", "write device_map=auto"
        )
    if device != "auto":
        raise ConfigError(
            f"{spec} gives both device and device_map",
            "give one: device_map=auto spreads the model over every GPU",
        )
    if not available.accelerate:
        raise ConfigError(
            f"device_map=auto in {spec} needs the accelerate package, which is not installed",
            "pip install accelerate, or drop device_map and give device=",
        )


def _device(device: str, spec: str, available: Accelerators) -> str:
    if device == "auto":
        return "cuda:0" if available.cuda_devices else "cpu"
    if device == "mps" and not available.mps:
        raise ConfigError(
            f"{spec} asks for device=mps, but this torch sees no Apple GPU (MPS)",
            "use device=cpu or device=auto",
        )
    if device.startswith("cuda"):
        index = int(device.partition(":")[2] or 0)
        if not available.cuda_devices:
            raise ConfigError(
                f"{spec} asks for device={device}, but this torch sees no CUDA GPU",
                "use device=cpu or device=auto, or install a CUDA build of torch on a GPU machine",
            )
        if index >= available.cuda_devices:
            raise ConfigError(
                f"{spec} asks for device={device}, but this torch sees "
                f"{available.cuda_devices} CUDA GPU(s)",
                f"use cuda:0 to cuda:{available.cuda_devices - 1}",
            )
        return f"cuda:{index}"
    return device


def _dtype(dtype: str, device: str, available: Accelerators) -> DType:
    for known in DTYPES:
        if dtype == known:
            return known
    if device.startswith("cuda"):
        return "bfloat16" if available.cuda_bf16 else "float16"
    return "float32"


def _batch_size(text: str, spec: str) -> int | None:
    if text == "auto":
        return None
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise ConfigError(
        f"option batch_size={text!r} in {spec} is neither auto nor a positive whole number",
        "write batch_size=auto (halve on out-of-memory) or e.g. batch_size=16",
    )
