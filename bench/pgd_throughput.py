"""PGD throughput: our batched PGD vs the Adversarial Robustness Toolbox's PGD on the same model
(zoo:clip), images, batch size and budget (L-inf 4/255, 10 steps, step 1/255, no random start).
Both sides are warmed, then timed in interleaved repeats (bench/_timing.py). Prints one JSON
line; the ratio is ours / ART in images per second, from each side's fastest run (the median
ratio beside it)."""

from __future__ import annotations

import json
import statistics
import sys

import numpy as np
import torch
from art.attacks.evasion import ProjectedGradientDescent
from art.estimators.classification import PyTorchClassifier

from _timing import compare
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
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5  # interleaved, at least 3
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
    timed = compare(
        {"ours": ours, "art": lambda: attack.generate(x=pixels.numpy(), y=truth.numpy())},
        repeats=repeats,
    )
    ours_s, art_s = timed.best("ours"), timed.best("art")
    print(
        json.dumps(
            {
                "bench": "pgd_throughput",
                "images": IMAGES,
                "batch_size": BATCH,
                "repeats": repeats,
                "ours_images_per_s": round(IMAGES / ours_s, 1),
                "art_images_per_s": round(IMAGES / art_s, 1),
                # ours over ART in images per second, from each side's fastest run
                "ratio": round(art_s / ours_s, 3),
                "median_ratio": round(
                    statistics.median(timed.seconds["art"])
                    / statistics.median(timed.seconds["ours"]),
                    3,
                ),
                **timed.summary(),
            }
        )
    )


if __name__ == "__main__":
    main()
