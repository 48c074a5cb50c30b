"""Is the gallery's saliency map meaningful? On a task's failures under its image attack, the
share of saliency mass inside what the attack wrote (the typographic attack's words, the
backdoor's trigger patch), divided by that region's share of the image: 1 is what a map blind
to the attack would give, above 1 means the attack drew the model's gradient.

The control is the same boxes on the clean image (nothing written there), mapped for the class
the model chose on the attacked one: a paired comparison over the same failures (sign-flip
test). The boxes are found from the pixels the attack changed (each connected blob, grown by
the typographic attack's margin, filled to its bounding box).

``python -m vlmtrust.runner.saliency_focus --n 200`` (typographic) and
``... --task robustness.backdoor_trigger`` print the numbers the docs quote.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image
from scipy import ndimage

from vlmtrust.attacks.base import build_attack
from vlmtrust.core.spec import Spec
from vlmtrust.metrics.calibration import mean_estimate
from vlmtrust.metrics.paired import sign_flip_p
from vlmtrust.metrics.rates import Estimate
from vlmtrust.models.base import resolve_model
from vlmtrust.runner.saliency import at_size, saliency_map
from vlmtrust.tasks.base import DataContext, build_task

#: px the ink's blobs grow by before boxing (the attack keeps 2 px free around a word)
GROW_PX = 2


@dataclass(frozen=True)
class Focus:
    """Mass-to-area ratios in the words' boxes over the failures, attacked and clean."""

    scenes: int
    attacked: Estimate
    clean: Estimate
    p_value: float


def word_boxes(clean: Image.Image, attacked: Image.Image) -> np.ndarray:
    """A boolean (H, W) mask: the bounding boxes of the ink the attack wrote."""
    changed: np.ndarray = np.any(np.asarray(clean) != np.asarray(attacked), axis=-1)
    grown = ndimage.binary_dilation(changed, iterations=GROW_PX)
    blobs, _ = ndimage.label(grown)
    mask = np.zeros_like(changed)
    for rows, cols in ndimage.find_objects(blobs):
        mask[rows, cols] = True
    return mask


def mass_ratio(heat: np.ndarray, mask: np.ndarray) -> float:
    """(share of the map's mass inside ``mask``) / (share of the pixels inside it); NaN where
    either share is empty."""
    heat = at_size(heat, (mask.shape[1], mask.shape[0]))
    total, area = float(heat.sum()), float(mask.mean())
    if total <= 0 or area <= 0:
        return float("nan")
    return float(heat[mask].sum()) / total / area


def region_focus(
    model_spec: str = "zoo:clip",
    n: int = 200,
    seed: int = 0,
    task_name: str = "robustness.typographic",
) -> Focus:
    """Score ``n`` world scenes under the task's last (image) attack and measure every
    failure's (wrong answer's) map."""
    model: Any = resolve_model(model_spec).load()
    task = build_task(Spec(name=task_name, params={"n": n}))
    samples = task.samples(DataContext(seed=seed))
    task = task.resolve(samples)
    attack = build_attack(task.conditions()[-1])
    attacked_ratios, clean_ratios = [], []
    for sample in samples:
        attacked = attack.apply(sample)
        score = task.score(model, [attacked])[0][0]
        choice = task.explained_choice(score.label)
        if score.unscorable or score.value != task.failure_value or choice is None:
            continue
        clean_image, attacked_image = sample.load_image(), attacked.load_image()
        mask = word_boxes(clean_image, attacked_image)
        attacked_ratios.append(mass_ratio(saliency_map(model, attacked_image, *choice), mask))
        clean_ratios.append(mass_ratio(saliency_map(model, clean_image, *choice), mask))
    both = np.array([attacked_ratios, clean_ratios], dtype=np.float64)
    paired = both[:, ~np.isnan(both).any(axis=0)]
    return Focus(
        scenes=len(samples),
        attacked=mean_estimate(paired[0], unit="failures"),
        clean=mean_estimate(paired[1], unit="failures"),
        p_value=sign_flip_p(paired[0] - paired[1]) if paired.size else float("nan"),
    )


def _line(name: str, estimate: Estimate) -> str:
    return (
        f"{name}: mean mass/area ratio {estimate.value:.2f} "
        f"[95% CI {estimate.ci_low:.2f}, {estimate.ci_high:.2f}], n={estimate.n} failures"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", default="zoo:clip")
    parser.add_argument(
        "--task", default="robustness.typographic", help="or robustness.backdoor_trigger"
    )
    parser.add_argument("--n", type=int, default=200, help="world scenes to attack")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    focus = region_focus(args.model, args.n, args.seed, args.task)
    print(f"{focus.scenes} scenes attacked; saliency mass in the boxes of what it wrote:")
    print(_line("attacked image", focus.attacked))
    print(_line("clean image, same boxes", focus.clean))
    print(f"paired sign-flip p = {focus.p_value:.4g}")


if __name__ == "__main__":
    main()
