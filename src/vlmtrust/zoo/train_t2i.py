"""Train ``zoo:t2i``: a tiny caption-conditioned diffusion model on world scenes.

The pool holds object scenes (no written words) and people scenes whose captions name the
group, so a caption can ask for a group: what a group-balanced synthetic set needs. Captions
are embedded once by the frozen MiniLM (they repeat: a bank of distinct captions), and each is
replaced by zeros with ``caption_dropout`` so the same network also predicts the unconditional
noise that classifier-free guidance pushes away from.

Not yet a zoo organism: at the recipe's 250 steps (all the shared, loaded 2 cores allowed) it
denoises partly noised scenes but draws noise from pure noise, 0 of 100 scenes judged right
by zoo:clip (600 steps: 2 of 100; docs/zoo.md).
``python -m vlmtrust.zoo.train_t2i --out DIR --steps N`` trains, judges and writes weights
and a card to DIR, to find the steps that pass before shipping.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict

from vlmtrust.core.fit import Log, fit
from vlmtrust.core.pixels import resized_pixels
from vlmtrust.data import world
from vlmtrust.models.base import ModelHandle, resolve_model
from vlmtrust.models.text_encoder import MiniLM
from vlmtrust.models.zoo.t2i import (
    SIDE,
    TIMESTEPS,
    TinyUNet,
    ZooTextToImage,
    alphas_cumprod,
    noised,
    save_t2i,
)
from vlmtrust.zoo.evaluate import evaluate_t2i


class T2IRecipe(BaseModel):
    """Everything that decides the trained weights; the model card records it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = 11
    pool: int = 8_000
    people_share: float = 0.2
    caption_dropout: float = 0.1
    steps: int = 250
    batch_size: int = 32
    lr: float = 2e-3
    threads: int = 2


def t2i_pool(recipe: T2IRecipe) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """(uint8 pixels (N, 3, 32, 32), caption index (N,), distinct captions): same recipe,
    same pool."""
    rng = np.random.default_rng([recipe.seed, 26])
    images, captions = [], []
    for i in range(recipe.pool):
        family = "people" if rng.random() < recipe.people_share else "objects"
        scene = world.scene_for(recipe.seed, i, family)
        images.append(world.render(scene))
        captions.append(scene.caption(with_group=True))
    distinct = sorted(set(captions))
    lookup = {c: k for k, c in enumerate(distinct)}
    pixels = (resized_pixels(images, SIDE) * 255).round().to(torch.uint8)
    return pixels, torch.tensor([lookup[c] for c in captions]), distinct


def train_t2i(
    recipe: T2IRecipe, text: MiniLM, log: Log = print
) -> tuple[TinyUNet, dict[str, float]]:
    """Return the trained UNet (eval mode) and training stats for the card."""
    torch.set_num_threads(recipe.threads)
    torch.manual_seed(recipe.seed)
    started = time.perf_counter()
    pixels, caption_index, captions = t2i_pool(recipe)
    bank = torch.from_numpy(text.encode(captions))
    log(f"pool: {len(captions)} distinct captions over {recipe.pool} scenes")
    unet = TinyUNet()
    schedule = alphas_cumprod()
    generator = torch.Generator().manual_seed(recipe.seed)
    unet.train()

    def loss_at(step: int) -> torch.Tensor:
        idx = torch.randint(len(pixels), (recipe.batch_size,), generator=generator)
        clean = pixels[idx].float().div_(127.5).sub_(1.0)
        t = torch.randint(TIMESTEPS, (recipe.batch_size,), generator=generator)
        noise = torch.randn(clean.shape, generator=generator)
        keep = torch.rand(recipe.batch_size, generator=generator) >= recipe.caption_dropout
        caption = bank[caption_index[idx]] * keep[:, None].float()
        predicted = unet(noised(clean, t, noise, schedule), t, caption)
        return torch.nn.functional.mse_loss(predicted, noise)

    loss_value = fit(unet.parameters(), recipe.steps, recipe.lr, loss_at, log)
    unet.eval()
    stats = {
        "final_loss": round(loss_value, 4),
        "train_seconds": round(time.perf_counter() - started, 1),
        "distinct_captions": float(len(captions)),
        "parameters": float(sum(p.numel() for p in unet.parameters())),
    }
    return unet, stats


def train_and_judge(recipe: T2IRecipe, out: Path, log: Log = print) -> dict[str, float]:
    """Train, save ``out/t2i.safetensors``, judge the drawings with the shipped zoo:clip and
    write ``out/t2i.card.json`` (recipe, training stats, measured); return the measured."""
    out.mkdir(parents=True, exist_ok=True)
    text = MiniLM()
    unet, stats = train_t2i(recipe, text, log)
    saved = out / "t2i.safetensors"
    save_t2i(saved, unet)
    stats["weights_bytes"] = float(saved.stat().st_size)
    handle = ModelHandle(
        spec="t2i",
        kind="zoo",
        name="t2i",
        fingerprint="card",
        capabilities=frozenset({"TextToImage"}),
    )
    drawer = ZooTextToImage(handle, saved, text)
    measured = evaluate_t2i(drawer.draw, resolve_model("zoo:clip").load())
    card = {"recipe": recipe.model_dump(), "training": stats, "measured": measured}
    (out / "t2i.card.json").write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
    return measured


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="train and judge the text-to-image recipe")
    parser.add_argument("--out", type=Path, required=True, help="folder for weights and card")
    parser.add_argument("--steps", type=int, default=T2IRecipe().steps)
    args = parser.parse_args(argv)
    print(train_and_judge(T2IRecipe(steps=args.steps), args.out))


if __name__ == "__main__":
    main()
