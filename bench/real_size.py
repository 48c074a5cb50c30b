"""Real-size check: a randomly initialised CLIP with the real ViT-B/32 shape (ViT-L/14 too with
``--large``, meant for a GPU), scanned through the harness (``vlmtrust`` runner: planning, keys,
SQLite store, aggregation, our preprocessing) and through a bare transformers loop (the PIL
image processor + ``CLIPModel`` features + argmax) on the same attacked images and batch size.

Each measurement runs in its own fresh process and is timed from before its first import (so
time and peak memory are that path's alone, imports and model load included, as a user pays
them); harness and bare runs are interleaved in alternating order (bench/_timing.py) and the
fastest of the repeats is kept, the median beside it. Prints one
JSON line: the ratio (harness / bare), images/s and peak resident memory of each. Random
weights: accuracy is chance, the cost is real.

    PYTHONPATH=tests/support python bench/real_size.py [--n 64] [--batch 32] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from _timing import compare

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

#: (vision width, layers, heads, patch, image size, text width, layers, heads, projection)
SHAPES = {
    "ViT-B/32": (768, 12, 12, 32, 224, 512, 12, 8, 512),
    "ViT-L/14": (1024, 24, 16, 14, 224, 768, 12, 12, 768),
}


def build(path: Path, shape: str) -> Path:
    """Save a random CLIP of ``shape`` with the tests' offline tokenizer and CLIP's real
    preprocessor settings (shortest edge 224, centre crop, bicubic)."""
    import torch
    from tiny_models import build_tiny_tokenizer, clip_preprocessor
    from transformers import CLIPConfig, CLIPModel

    v_width, v_layers, v_heads, patch, size, t_width, t_layers, t_heads, proj = SHAPES[shape]
    tokenizer = build_tiny_tokenizer()
    config = CLIPConfig(
        text_config={
            "hidden_size": t_width,
            "intermediate_size": 4 * t_width,
            "num_hidden_layers": t_layers,
            "num_attention_heads": t_heads,
            "vocab_size": 49408,
            "max_position_embeddings": 77,
            "bos_token_id": tokenizer.bos_token_id,
            "eos_token_id": tokenizer.eos_token_id,
            "pad_token_id": tokenizer.pad_token_id,
        },
        vision_config={
            "hidden_size": v_width,
            "intermediate_size": 4 * v_width,
            "num_hidden_layers": v_layers,
            "num_attention_heads": v_heads,
            "patch_size": patch,
            "image_size": size,
        },
        projection_dim=proj,
    )
    torch.manual_seed(0)
    model = CLIPModel(config)
    path.mkdir(parents=True)
    model.save_pretrained(path)
    tokenizer.model_max_length = 77
    tokenizer.save_pretrained(path)
    (path / "preprocessor_config.json").write_text(json.dumps(clip_preprocessor(size), indent=2))
    return path


def _task(n: int) -> Any:
    from vlmtrust.core.spec import Spec

    return Spec(name="robustness.zero_shot", params={"n": n})


def _peak_mib() -> float:
    """Peak resident memory of this process (host RAM)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _gpu_peak_mib() -> float | None:
    import torch

    return torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else None


def harness(model_dir: str, out: str, n: int, batch: int, options: str) -> dict[str, Any]:
    """The scan a user runs: ``vlmtrust scan --task robustness.zero_shot:n=N``."""
    start = time.perf_counter()  # before any import: each path pays its own
    from vlmtrust.core.config import RunConfig
    from vlmtrust.runner import run

    summary = run(
        RunConfig(
            model=f"hf:{model_dir}{options}",
            tasks=(_task(n),),
            out=Path(out),
            batch_size=batch,
            show_progress=False,
        )
    )
    seconds = time.perf_counter() - start
    images = sum(row.n for row in summary.metrics if row.metric == "accuracy")
    return {"seconds": seconds, "images": images, "peak_mib": _peak_mib(), "gpu": _gpu_peak_mib()}


def bare(model_dir: str, n: int, batch: int, device: str, dtype: str) -> dict[str, Any]:
    """What a user would write with transformers alone, on the same attacked images."""
    start = time.perf_counter()  # before any import: each path pays its own
    import torch
    from transformers import AutoTokenizer, CLIPImageProcessorPil, CLIPModel

    from vlmtrust.attacks.base import build_attack
    from vlmtrust.data import world
    from vlmtrust.tasks.base import build_task

    model = CLIPModel.from_pretrained(model_dir, dtype=getattr(torch, dtype)).to(device).eval()
    processor = CLIPImageProcessorPil.from_pretrained(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    samples = world.generate(0, n)
    task = build_task(_task(n)).resolve(samples)
    prompts = [f"a photo of a {c}." for c in world.SHAPES]
    images = 0
    with torch.inference_mode():
        tokens = tokenizer(prompts, padding=True, return_tensors="pt").to(device)
        text = model.get_text_features(**tokens)
        text = getattr(text, "pooler_output", text)
        text = text / text.norm(dim=-1, keepdim=True)
        for condition in task.conditions():
            attack = build_attack(condition)
            attacked = [attack.apply(s) for s in samples]
            for i in range(0, len(attacked), batch):
                chunk = [s.load_image() for s in attacked[i : i + batch]]
                pixels = processor(images=chunk, return_tensors="pt")["pixel_values"]
                pixels = pixels.to(device, getattr(torch, dtype))
                found = model.get_image_features(pixel_values=pixels)
                found = getattr(found, "pooler_output", found)
                found = found / found.norm(dim=-1, keepdim=True)
                (found @ text.T).argmax(dim=-1).cpu()
                images += len(chunk)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "images": images, "peak_mib": _peak_mib(), "gpu": _gpu_peak_mib()}


def _fresh(function: Any, *args: Any) -> dict[str, Any]:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        result: dict[str, Any] = pool.submit(function, *args).result()
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=64, help="world samples per condition")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3, help="at least 3")
    parser.add_argument("--large", action="store_true", help="ViT-L/14 as well (for a GPU)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N (both paths)")
    parser.add_argument("--dtype", default="float32", help="float32, bfloat16, float16")
    args = parser.parse_args()
    import torch

    shapes = ["ViT-B/32", *(["ViT-L/14"] if args.large else [])]
    with tempfile.TemporaryDirectory() as tmp:
        for shape in shapes:
            model_dir = str(build(Path(tmp) / shape.replace("/", "-"), shape))
            options = f"?device={args.device}&dtype={args.dtype}"
            # a fresh output directory per harness run, so nothing is reused
            harness_args = iter(
                (
                    model_dir,
                    str(Path(tmp) / f"run-{shape.replace('/', '-')}-{i}"),
                    args.n,
                    args.batch,
                    options,
                )
                for i in range(args.repeats)
            )
            timed = compare(
                {
                    "harness": lambda runs=harness_args: _fresh(harness, *next(runs)),
                    "bare": partial(
                        _fresh, bare, model_dir, args.n, args.batch, args.device, args.dtype
                    ),
                },
                repeats=args.repeats,
                warmup=False,  # each run is a fresh process that pays its own start-up
                timer=lambda r: r["seconds"],
            )
            b = min(timed.values["bare"], key=lambda r: r["seconds"])
            h = min(timed.values["harness"], key=lambda r: r["seconds"])
            assert b["images"] == h["images"], (b["images"], h["images"])
            line = {
                "bench": "real_size",
                "model": f"CLIP {shape} (random weights)",
                "device": args.device,
                "dtype": args.dtype,
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, torch "
                f"{torch.__version__}, {torch.get_num_threads()} threads",
                "images": h["images"],
                "batch_size": args.batch,
                "harness_s": round(h["seconds"], 2),
                "bare_s": round(b["seconds"], 2),
                "ratio": round(h["seconds"] / b["seconds"], 3),
                "harness_images_per_s": round(h["images"] / h["seconds"], 1),
                "bare_images_per_s": round(b["images"] / b["seconds"], 1),
                "harness_peak_mib": round(h["peak_mib"]),
                "bare_peak_mib": round(b["peak_mib"]),
                **({"harness_gpu_peak_mib": round(h["gpu"])} if h["gpu"] is not None else {}),
                **({"bare_gpu_peak_mib": round(b["gpu"])} if b["gpu"] is not None else {}),
                "repeats": args.repeats,
                "harness_median_s": timed.summary()["harness"]["median_s"],
                "bare_median_s": timed.summary()["bare"]["median_s"],
                "load_start": timed.load_start,
                "load_end": timed.load_end,
            }
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    sys.exit(main())
