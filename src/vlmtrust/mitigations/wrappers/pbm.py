"""Post-hoc bias mitigation for retrieval (PBM, after Kong et al. 2024, "Mitigating test-time
bias for fair image retrieval"): predict each candidate's group, then re-rank so that every
prefix of the top k holds the groups as evenly as the predictions allow.

How a wrapper reaches a ranking: retrieval tasks score candidates one batch at a time and rank
in their aggregate, where no model is at hand. So the wrapped model offers
``predict_groups(images)``; ``fairness.retrieval_skew`` stores each candidate's predicted group
with its similarities and, when every candidate has one, re-ranks with ``balanced_rerank``
before measuring. The true groups are never used to rank; only the predictions are.

The group predictor is a logistic-regression probe on the model's own image embeddings, fitted
on held-out counterfactual twins from the world (a seed scans do not use), or, for a model whose
text tower knows the groups (a real CLIP and "a photo of a man/woman"), zero-shot ``prompts``.
Its held-out accuracy caps how balanced the re-ranked list can be.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from PIL import Image
from pydantic import Field
from sklearn.linear_model import LogisticRegression

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import Params
from vlmtrust.mitigations.base import WrappedModel, Wrapper


def balanced_rerank(order: Sequence[int], predicted: Sequence[str], k: int) -> list[int]:
    """``order`` (best first) re-ranked for its first ``k`` places: each place goes to the best
    remaining candidate of the predicted group furthest below an even share of the list so far
    (the best candidate overall on a tie or when that group has none left); the rest keep their
    order."""
    groups = sorted(set(predicted))
    remaining = list(order)
    counts = dict.fromkeys(groups, 0)
    out: list[int] = []
    while remaining and len(out) < k:
        placed = len(out) + 1
        deficits = {g: placed / len(groups) - counts[g] for g in groups}
        top_deficit = max(deficits.values())
        wanted = {g for g, d in deficits.items() if d == top_deficit}
        pick = next((i for i in remaining if predicted[i] in wanted), remaining[0])
        remaining.remove(pick)
        out.append(pick)
        counts[predicted[pick]] += 1
    return out + remaining


class PbmParams(Params):
    predictor: Literal["probe", "prompts"] = Field(
        default="probe", description="probe: fitted on world twins; prompts: zero-shot"
    )
    pairs: int = Field(default=400, ge=10, description="held-out twin pairs the probe is fit on")
    seed: int = Field(default=7_100_001, description="seed of the held-out twins")
    prompts: dict[str, str] = Field(
        default={}, description="group -> prompt, for predictor=prompts (e.g. a photo of a man.)"
    )


class Pbm(Wrapper):
    Params = PbmParams
    params: PbmParams
    requires = ("Embedder",)
    #: only adds the group predictor a retrieval task re-ranks with; every other call is the
    #: inner model's own, so a task that never asks for groups scores as the baseline does
    acts_on = frozenset({"predict_groups"})

    def wrap(self, model: Any) -> GroupPredicting:
        if self.params.predictor == "prompts":
            if len(self.params.prompts) < 2:
                raise ConfigError(
                    "pbm predictor=prompts needs at least two group prompts",
                    "pass prompts={'man': 'a photo of a man.', 'woman': 'a photo of a woman.'}",
                )
            return GroupPredicting(model, None, dict(self.params.prompts))
        return GroupPredicting(model, self.fit_probe(model), None)

    def fit_probe(self, model: Any) -> LogisticRegression:
        from vlmtrust.data.world.twins import twin_samples

        twins = twin_samples(self.params.seed, self.params.pairs)
        embeddings = np.asarray(model.encode_image([s.load_image() for s in twins]))
        groups = [s.groups["group"] for s in twins]
        return LogisticRegression(C=100.0, max_iter=5000).fit(embeddings, groups)


class GroupPredicting(WrappedModel):
    """The same model, plus ``predict_groups`` for retrieval re-ranking."""

    def __init__(
        self, inner: Any, probe: LogisticRegression | None, prompts: dict[str, str] | None
    ) -> None:
        super().__init__(inner)
        self.probe = probe
        self.prompts = prompts

    def predict_groups(self, images: Sequence[Image.Image]) -> list[str]:
        embeddings = np.asarray(self.inner.encode_image(images))
        if self.probe is not None:
            return [str(g) for g in self.probe.predict(embeddings)]
        assert self.prompts is not None
        names = list(self.prompts)
        texts = np.asarray(self.inner.encode_text([self.prompts[n] for n in names]))
        return [names[int(i)] for i in (embeddings @ texts.T).argmax(axis=1)]
