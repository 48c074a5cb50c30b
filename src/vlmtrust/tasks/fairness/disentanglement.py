"""Disentanglement score: how cleanly a representation keeps the world's known factors (group,
occupation, background of people scenes) in separate dimensions: the mutual information gap
(``metrics.disentanglement``).

A model that offers ``latent_codes(images)`` (the disentanglers ``disentangle_vae`` and
``disentangle_adversarial`` do: their [z_g, z_c] codes) is scored on those codes; any other
Embedder on its image embedding's coordinates, which no training asked to be disentangled, so
its score is the floor to compare with (``details.representation`` says which was read). Not a
standard scan (``in_pillar_suite`` false): it describes a representation, not a harm; run it by
name beside the disentanglers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import Field

from vlmtrust.core.records import Sample, Score
from vlmtrust.core.spec import Params, Spec
from vlmtrust.data.source import Scenes
from vlmtrust.metrics.declared import Declared, Stat, per_condition
from vlmtrust.metrics.disentanglement import mig
from vlmtrust.metrics.rates import DEFAULT_RESAMPLES, Estimate
from vlmtrust.tasks.base import DataContext, Task

METRIC = "codes"
DECIMALS = 5


class DisentanglementParams(Params):
    factors: tuple[str, ...] = Field(
        default=("group", "occupation", "background"),
        min_length=1,
        description="the known factors (a group or label of every sample) the score is over",
    )
    n: int = Field(default=400, ge=20, description="world people scenes when no --data is given")
    resamples: int = Field(
        default=DEFAULT_RESAMPLES, ge=100, description="bootstrap resamples of the samples"
    )
    seed: int = Field(default=0, ge=0, description="seed of the bootstrap")


def factor_value(sample: Sample, name: str) -> str:
    """A sample's value of a known factor: its group of that name, else its label; "" if none."""
    if name in sample.groups:
        return str(sample.groups[name])
    return str(sample.labels.get(name, ""))


def representation(model: Any, images: Sequence[Any]) -> tuple[np.ndarray, str]:
    """The model's latent codes where it offers them, else its image embeddings."""
    codes = getattr(model, "latent_codes", None)
    if callable(codes):
        return np.asarray(codes(images), dtype=float), "latent_codes"
    return np.asarray(model.encode_image(images), dtype=float), "image_embedding"


class Disentanglement(Task):
    Params = DisentanglementParams
    params: DisentanglementParams
    requires = ("Embedder",)
    headline = "mig"
    in_pillar_suite = False
    selection_params = frozenset({"n"})

    def samples(self, ctx: DataContext) -> list[Sample]:
        return ctx.samples(Scenes(n=ctx.cap(self.params.n), family="people"))

    def conditions(self) -> list[Spec]:
        return [Spec(name="none")]

    def score(self, model: Any, samples: Sequence[Sample]) -> list[list[Score]]:
        factors = self.params.factors
        kept = [
            s for s in samples if s.image is not None and all(factor_value(s, f) for f in factors)
        ]
        empty = (np.zeros((0, 0)), "")
        vectors, kind = representation(model, [s.load_image() for s in kept]) if kept else empty
        row = {s.id: i for i, s in enumerate(kept)}
        out = []
        for sample in samples:
            if sample.id not in row:
                missing = [f for f in factors if not factor_value(sample, f)]
                reason = "no image" if sample.image is None else f"no factor {missing[0]!r}"
                out.append([Score.cannot_score(sample.id, METRIC, reason)])
                continue
            vector = np.round(vectors[row[sample.id]], DECIMALS)
            details = {
                "vector": vector.tolist(),
                "representation": kind,
                "factors": {f: factor_value(sample, f) for f in factors},
            }
            out.append([Score(sample_id=sample.id, metric=METRIC, value=1.0, details=details)])
        return out

    def declared_metrics(self) -> tuple[Declared, ...]:
        return (per_condition(self._score, unscorable=None),)

    def _score(self, scores: Sequence[Score]) -> dict[str, Stat]:
        """``mig`` (mean over factors) and ``mig_group`` (the first factor's term), each with
        a bootstrap interval over samples; every factor's term and dimension in details."""
        scored = sorted(
            (s for s in scores if s.metric == METRIC and not s.unscorable),
            key=lambda s: s.sample_id,
        )
        factors = self.params.factors
        if len(scored) < 2:
            empty = Estimate(None, None, None, len(scored))
            return {"mig": (empty, {}), "mig_group": (empty, {})}
        codes = np.array([s.details["vector"] for s in scored], dtype=float)
        values = {f: [s.details["factors"][f] for s in scored] for f in factors}
        overall, per_factor, dims = mig(codes, values, self.params.resamples, self.params.seed)
        details: dict[str, Any] = {
            "representation": scored[0].details["representation"],
            "dimensions": codes.shape[1],
            "by_factor": {
                f: {"mig": e.value, "ci_low": e.ci_low, "ci_high": e.ci_high, "dimension": dims[f]}
                for f, e in per_factor.items()
            },
            "unscorable": sum(s.unscorable for s in scores),
        }
        return {"mig": (overall, details), "mig_group": (per_factor[factors[0]], details)}
