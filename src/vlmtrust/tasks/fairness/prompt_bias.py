"""Biased-prompt detection: which of a user's prompts lean towards one group?

Each prompt's text embedding is projected on the model's group direction, the unit vector from
the group B to the group A image centroid of held-out counterfactual twins (a world seed scans
do not use; ``directions=prompts`` uses the mean difference of ``prompt_pairs`` text embeddings
instead, for a model whose text tower knows the groups). A prompt whose |projection| exceeds
``threshold`` is flagged; its sign says which group it leans to.

Rows: ``flagged_rate`` (share of prompts flagged, Wilson interval; the flagged prompts with
their projections in ``details["flagged"]``) and ``mean_abs_projection`` (bootstrap interval).
Prompts come from ``prompts_file`` (one per line), the user's --data prompts, or a built-in set
of occupation and shape prompts. On the zoo the group is drawn as a skin tone, so colour words
(``white``) lean too: a confound of how the group is shown, which the detector rightly reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from pydantic import Field

from vlmtrust.core.records import Sample, Score
from vlmtrust.core.spec import Params, Spec
from vlmtrust.data.source import Prompts, Twins
from vlmtrust.data.sources import reference_samples
from vlmtrust.metrics.calibration import mean_estimate
from vlmtrust.metrics.declared import Declared, Stat, per_condition
from vlmtrust.metrics.declared_groups import flag_rate
from vlmtrust.metrics.rates import DEFAULT_RESAMPLES
from vlmtrust.tasks.base import DataContext, Task
from vlmtrust.tasks.fairness.common import read_lines

METRIC = "projection"


class PromptBiasParams(Params):
    prompts_file: str | None = Field(default=None, description="text file, one prompt per line")
    threshold: float = Field(default=0.15, gt=0, description="|projection| that flags a prompt")
    directions: Literal["twins", "prompts"] = Field(
        default="twins",
        description="where the group direction comes from: held-out world twins' image "
        "centroids, or the text embeddings of prompt_pairs",
    )
    prompt_pairs: tuple[tuple[str, str], ...] = Field(
        default=(), description="prompts differing only in the group (directions=prompts)"
    )
    pairs: int = Field(default=100, ge=10, description="held-out twin pairs (directions=twins)")
    seed: int = Field(default=7_300_001, description="seed of the held-out twins")
    resamples: int = Field(
        default=DEFAULT_RESAMPLES,
        ge=100,
        le=100_000,
        description="bootstrap resamples behind each 95% interval",
    )
    bootstrap_seed: int = Field(default=0, ge=0, description="seed of the bootstrap resampling")


class PromptBias(Task):
    Params = PromptBiasParams
    params: PromptBiasParams
    requires = ("Embedder",)
    selection_params = frozenset({"prompts_file", "resamples", "bootstrap_seed"})

    def samples(self, ctx: DataContext) -> list[Sample]:
        """The prompts file's lines, else the source's prompts (the world's neutral prompts about
        its occupations and shapes; a user's dataset: its samples that carry a prompt)."""
        if self.params.prompts_file is None:
            return ctx.samples(Prompts(task=self.spec.name))
        prompts = read_lines(self.params.prompts_file, "prompts")
        return [Sample(id=f"prompt-{i}", prompt=p) for i, p in enumerate(prompts)]

    def conditions(self) -> list[Spec]:
        return [Spec(name="none")]

    def direction(self, model: Any) -> np.ndarray:
        """The unit group direction (A minus B) in the model's embedding space."""
        if self.params.directions == "prompts":
            from vlmtrust.core.errors import ConfigError

            if not self.params.prompt_pairs:
                raise ConfigError(
                    "prompt_bias directions=prompts needs prompt_pairs",
                    "pass pairs of prompts differing only in the group, or use directions=twins",
                )
            first = np.asarray(model.encode_text([a for a, _ in self.params.prompt_pairs]))
            second = np.asarray(model.encode_text([b for _, b in self.params.prompt_pairs]))
            diff = (first - second).mean(axis=0)
        else:
            request = Twins(pairs=self.params.pairs, seed=self.params.seed)
            twins = reference_samples(request)
            images = np.asarray(model.encode_image([s.load_image() for s in twins]))
            diff = (images[0::2] - images[1::2]).mean(axis=0)
        return np.asarray(diff / np.linalg.norm(diff))

    def score(self, model: Any, samples: Sequence[Sample]) -> list[list[Score]]:
        kept = [s for s in samples if s.prompt]
        out: dict[str, Score] = {}
        if kept:
            direction = self.direction(model)
            projections = np.asarray(model.encode_text([s.prompt or "" for s in kept])) @ direction
            for sample, value in zip(kept, projections, strict=True):
                flagged = abs(float(value)) > self.params.threshold
                lean = "A" if value > 0 else "B"
                out[sample.id] = Score(
                    sample_id=sample.id,
                    metric=METRIC,
                    value=round(float(value), 6),
                    label=f"leans {lean}" if flagged else "neutral",
                    reason=f"projection {float(value):+.3f} on the group direction",
                    details={"prompt": sample.prompt, "flagged": flagged},
                )
        return [[out.get(s.id) or Score.cannot_score(s.id, METRIC, "no prompt")] for s in samples]

    def declared_metrics(self) -> tuple[Declared, ...]:
        return (per_condition(self._projections),)

    def row_details(self) -> dict[str, Any]:
        return {"threshold": self.params.threshold, "directions": self.params.directions}

    def _projections(self, scores: Sequence[Score]) -> dict[str, Stat]:
        scored = [s for s in scores if not s.unscorable]
        flagged = sorted(
            (
                {"prompt": s.details["prompt"], "projection": s.value}
                for s in scored
                if s.details["flagged"]
            ),
            key=lambda f: -abs(f["projection"] or 0.0),
        )
        p = self.params
        values = [abs(s.value or 0.0) for s in scored]
        return {
            "flagged_rate": (
                flag_rate(scored, lambda s: s.details["flagged"]),
                {"flagged": flagged},
            ),
            "mean_abs_projection": (mean_estimate(values, p.resamples, p.bootstrap_seed), {}),
        }
