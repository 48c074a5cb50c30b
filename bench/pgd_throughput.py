"""PGD throughput: our batched PGD vs the Adversarial Robustness Toolbox's PGD on the same model
(zoo:clip), images, batch size and budget (L-inf 4/255, 10 steps, step 1/255, no random start).
Prints one JSON line; the ratio is ours / ART in images per second."""

from __future__ import annotations

import json
import time

import numpy as np
import torch
from art.attacks.evasion import ProjectedGradientDescent
from art.estimators.classification import PyTorchClassifier

from vlmtrust.attacks.gradient import perturb
from vlmtrust.data import world
from vlmtrust.models.base import resolve_model

IMAGES, BATCH, EPS, STEPS, STEP = 256, 64, 4 / 255, 10, 1 / 255
PROMPTS = [f"a photo of a {s}." for s in world.SHAPES]


class Head(torch.nn.Module):
    def __init__(self, clip: object) -> None:
        super().__init__()
        self.clip = clip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.clip.pixel_logits(x, PROMPTS)  # type: ignore[attr-defined, no-any-return]


def main() -> None:
    torch.set_num_threads(2)
    clip = resolve_model("zoo:clip").load()
    scenes = world.generate(5, IMAGES)
    pixels = clip.to_pixels([s.load_image() for s in scenes])
    truth = torch.tensor([world.SHAPES.index(str(s.labels["shape"])) for s in scenes])

    def ours() -> torch.Tensor:
        chunks = [
            perturb(
                lambda x: clip.pixel_logits(x, PROMPTS),
                pixels[i : i + BATCH],
                truth[i : i + BATCH],
                eps=EPS,
                steps=STEPS,
                step_size=STEP,
                norm="linf",
                targeted=False,
            )
            for i in range(0, IMAGES, BATCH)
        ]
        return torch.cat(chunks)

    classifier = PyTorchClassifier(
        model=Head(clip),
        loss=torch.nn.CrossEntropyLoss(),
        input_shape=(3, 64, 64),
        nb_classes=len(PROMPTS),
        clip_values=(0.0, 1.0),
    )
    attack = ProjectedGradientDescent(
        classifier,
        norm=np.inf,
        eps=EPS,
        eps_step=STEP,
        max_iter=STEPS,
        num_random_init=0,
        batch_size=BATCH,
        verbose=False,
    )
    ours()  # warm-up
    started = time.perf_counter()
    ours()
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    attack.generate(x=pixels.numpy(), y=truth.numpy())
    art_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "bench": "pgd_throughput",
                "images": IMAGES,
                "batch_size": BATCH,
                "ours_images_per_s": round(IMAGES / ours_s, 1),
                "art_images_per_s": round(IMAGES / art_s, 1),
                "ratio": round(art_s / ours_s, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
