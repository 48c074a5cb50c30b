"""``robustness.attribute_binding``: does the model tell a scene's own description from the same
description with one attribute swapped (ARO-style, Yuksekgonul et al. 2023, built from the world)?

For each world object scene the task builds its *object caption* (what is drawn, leaving out any
written word, as a zero-shot prompt describes it) and two hard negatives through the scene
description: the same scene with another shape and with another colour (``biaug.swap``; when a
shape name is written on the image, the shape swap is that shape). A sample is right on a swap
when its image embedding is closer to its own caption than to the swapped one. Rows (Wilson 95%):

- ``binding_accuracy``: own caption above both swaps;
- ``shape_swap_accuracy`` and ``colour_swap_accuracy``: each swap alone;
- ``written_shape_accuracy``: the shape swap on scenes whose written word names another shape,
  i.e. drawn shape versus written shape (the typographic confusion, without an attack).

Only world scenes can be swapped (the scene is regenerated from the sample's ``world:`` source);
any other sample is unscorable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import Field

from vlmtrust.core.records import Sample, Score
from vlmtrust.core.spec import Params, Spec
from vlmtrust.data.source import Scenes
from vlmtrust.data.sources import world_scene
from vlmtrust.metrics.declared import rate
from vlmtrust.tasks.base import DataContext, Task

METRICS: tuple[str, ...] = ("binding", "shape_swap", "colour_swap", "written_shape")


class AttributeBindingParams(Params):
    n: int = Field(default=300, ge=1, description="world object scenes")
    text_prob: float = Field(
        default=0.5, ge=0.0, le=1.0, description="share of scenes with a written shape name"
    )
    swap_seed: int = Field(default=0, ge=0, description="seed of which shape/colour is swapped in")


class AttributeBinding(Task):
    Params = AttributeBindingParams
    params: AttributeBindingParams
    requires = ("Embedder",)
    metrics = tuple(rate(m, f"{m}_accuracy") for m in METRICS)
    selection_params = frozenset({"n"})

    def samples(self, ctx: DataContext) -> list[Sample]:
        """World object scenes whatever --data is: scoring redraws each scene to swap its shape
        and colour, which only a world scene allows."""
        request = Scenes(
            n=ctx.cap(self.params.n), family="objects", text_prob=self.params.text_prob
        )
        return ctx.reference(request)

    def conditions(self) -> list[Spec]:
        return [Spec(name="none")]

    def _scene(self, sample: Sample) -> Any:
        return world_scene(sample, self.params.text_prob)

    def score(self, model: Any, samples: Sequence[Sample]) -> list[list[Score]]:
        from vlmtrust.mitigations.trainers.biaug import object_caption, swap

        scenes = {s.id: self._scene(s) for s in samples}
        kept = [s for s in samples if scenes[s.id] is not None and s.image is not None]
        swapped = {}
        for sample in kept:
            scene = scenes[sample.id]
            index = int((sample.source or "").rsplit(":", 1)[-1])
            rng = np.random.default_rng([self.params.swap_seed, index, 29])
            swapped[sample.id] = (scene, swap(scene, "shape", rng), swap(scene, "colour", rng))
        captions = [object_caption(x) for s in kept for x in swapped[s.id]]
        if kept:
            images = _unit(model.encode_image([s.load_image() for s in kept]))
            texts = _unit(model.encode_text(captions)).reshape(len(kept), 3, -1)
        out: list[list[Score]] = []
        row = {s.id: i for i, s in enumerate(kept)}
        for sample in samples:
            if sample.id not in row:
                reason = "not a world object scene" if scenes[sample.id] is None else "no image"
                out.append([Score.cannot_score(sample.id, m, reason) for m in METRICS])
                continue
            i = row[sample.id]
            scene, shape, _ = swapped[sample.id]
            sims = texts[i] @ images[i]
            wins = {"shape_swap": bool(sims[0] > sims[1]), "colour_swap": bool(sims[0] > sims[2])}
            scores = [
                Score(
                    sample_id=sample.id,
                    metric="binding",
                    value=float(wins["shape_swap"] and wins["colour_swap"]),
                    details={
                        "captions": captions[3 * i : 3 * i + 3],
                        "cosines": [round(float(v), 5) for v in sims],
                    },
                ),
                *(Score(sample_id=sample.id, metric=m, value=float(w)) for m, w in wins.items()),
            ]
            if scene.text is not None and scene.text == shape.shape:
                scores.append(
                    Score(
                        sample_id=sample.id,
                        metric="written_shape",
                        value=float(wins["shape_swap"]),
                    )
                )
            out.append(scores)
        return out

    def row_details(self) -> dict[str, Any]:
        return {"interval": "Wilson 95%"}


def _unit(x: Any) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    return np.asarray(a / np.linalg.norm(a, axis=-1, keepdims=True).clip(min=1e-12))
