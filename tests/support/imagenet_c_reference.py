"""Fixed inputs for the ImageNet-C cross-check, and the script that wrote its expected values.

``tests/attacks/test_imagenet_c.py`` compares our corruptions with
``imagenet_c_reference.json``: for every corruption and severity, the 4 x 5 grid of 8 x 8 px
block means (per channel) of the reference's output on ``reference_image()`` with the draws of
``reference_rng(name, severity)``. The values came from running this file as a script against
the reference itself, imagecorruptions 1.1.2 (``pip download --no-deps imagecorruptions``,
unzipped) with scikit-image 0.26 (``pip install --target``), outside our venv:

    PYTHONPATH=/tmp/skref:/tmp/icw:src python tests/support/imagenet_c_reference.py

1.1.2 does not import against our pins (see ``vlmtrust.attacks.imagenet_c``), so the script
patches only what stops it running: a ``pkg_resources`` stand-in for its frost file paths,
``np.float_``, ``gaussian(multichannel=True)`` passed on as ``channel_axis=-1``, and its global
``np.random`` (and scikit-image's salt-and-pepper generator) routed to one seeded
``np.random.Generator`` so that both sides draw the same numbers.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

EXPECTED = Path(__file__).with_name("imagenet_c_reference.json")
HEIGHT, WIDTH, BLOCK = 32, 40, 8


def reference_image() -> np.ndarray:
    """A 32 x 40 RGB test card: colour ramps, a bright square and seeded texture, so that
    blurs, edges, colour shifts and brightness all have something to change."""
    rows, cols = np.mgrid[0:HEIGHT, 0:WIDTH]
    texture = np.random.default_rng(7).integers(0, 40, size=(HEIGHT, WIDTH, 3))
    img = np.stack([cols * 5 + 20, rows * 6 + 10, 200 - cols * 3], axis=-1) + texture
    img[8:20, 12:26] = (230, 60, 40)
    return np.clip(img, 0, 255).astype(np.uint8)


def reference_rng(name: str, severity: int) -> np.random.Generator:
    return np.random.default_rng([sum(map(ord, name)), severity])


def assert_matches_reference(name: str, severity: int) -> None:
    """Our ``name`` at ``severity`` gives the reference's block means on the fixed input: equal
    up to a few pixels one level apart per block (we matched it bit for bit when writing)."""
    from vlmtrust.attacks.imagenet_c import corrupt

    expected = _expected()[f"{name}/{severity}"]
    ours = block_means(corrupt(reference_image(), name, severity, reference_rng(name, severity)))
    worst = max(abs(a - b) for a, b in zip(ours, expected, strict=True))
    assert worst <= 0.05, f"{name} severity {severity}: a block mean is off by {worst:.3f}"


@cache
def _expected() -> dict[str, list[float]]:
    loaded: dict[str, list[float]] = json.loads(EXPECTED.read_text())
    return loaded


def block_means(out: np.ndarray) -> list[float]:
    blocks = out.astype(np.float64).reshape(HEIGHT // BLOCK, BLOCK, WIDTH // BLOCK, BLOCK, 3)
    return [round(float(v), 4) for v in blocks.mean(axis=(1, 3)).ravel()]


def _reference() -> Any:  # pragma: no cover - needs the reference package, run by hand
    import importlib
    import os
    import sys
    import types

    np.float_ = np.float64  # type: ignore[attr-defined]
    shim = types.ModuleType("pkg_resources")

    def resource_filename(package: str, path: str) -> str:
        return os.path.join(os.path.dirname(importlib.import_module(package).__file__), path)

    shim.resource_filename = resource_filename  # type: ignore[attr-defined]
    sys.modules["pkg_resources"] = shim
    import imagecorruptions.corruptions as ref
    import skimage.util

    plain_gaussian, plain_noise = ref.gaussian, skimage.util.random_noise

    def gaussian(*args: Any, multichannel: bool = False, **kwargs: Any) -> Any:
        return plain_gaussian(*args, **({"channel_axis": -1} if multichannel else {}), **kwargs)

    ref.gaussian = gaussian
    return ref, plain_noise


def _numpy_drawing_from(gen: np.random.Generator) -> Any:
    """numpy, except that ``np.random``'s legacy calls draw from ``gen``."""

    class Random:
        @staticmethod
        def normal(loc: float = 0.0, scale: float = 1.0, size: Any = None) -> Any:
            return gen.normal(loc, scale, size)

        @staticmethod
        def poisson(lam: Any = 1.0, size: Any = None) -> Any:
            return gen.poisson(lam, size)

        @staticmethod
        def uniform(low: float = 0.0, high: float = 1.0, size: Any = None) -> Any:
            return gen.uniform(low, high, size)

        @staticmethod
        def randint(low: int, high: int | None = None, size: Any = None) -> Any:
            return gen.integers(low, high, size)

    class Numpy:
        random = Random

        def __getattr__(self, attr: str) -> Any:
            return getattr(np, attr)

    return Numpy()


def reference_output(
    ref: Any, plain_noise: Any, image: np.ndarray, name: str, severity: int
) -> Any:
    """The reference's ``name`` at ``severity`` on ``image``, as its ``corrupt()`` returns it."""
    from functools import partial

    from PIL import Image

    gen = reference_rng(name, severity)
    ref.np = _numpy_drawing_from(gen)
    ref.sk.util.random_noise = partial(plain_noise, rng=gen)
    return np.uint8(getattr(ref, name)(Image.fromarray(image), severity))


def main() -> None:  # pragma: no cover - needs the reference package, run by hand
    from vlmtrust.attacks.imagenet_c import ALL, SEVERITIES

    ref, plain_noise = _reference()
    expected = {
        f"{name}/{severity}": block_means(
            reference_output(ref, plain_noise, reference_image(), name, severity)
        )
        for name in ALL
        for severity in SEVERITIES
    }
    EXPECTED.write_text(json.dumps(expected, indent=0, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
