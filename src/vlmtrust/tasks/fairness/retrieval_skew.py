"""Text-to-image retrieval skew: do neutral queries ("a photo of a doctor.") return one group
more than its share of the pool?

Each candidate image is scored once (its similarity to every query, its group, and, when the
model offers ``predict_groups``, the group a mitigation such as ``pbm`` predicts for it); the
aggregate ranks. The pool is split into ``pools`` disjoint sub-pools (by a hash of the pair or
sample id, so twins stay together); per query and sub-pool it computes MaxSkew@k and NDKL@k
(Geyik et al. 2019, as used by Berg et al. 2022) against the sub-pool's own group shares. A
headline value is the mean over queries and sub-pools, its 95% interval a bootstrap over whole
sub-pools. Rows:

- ``maxskew@K``: 0 = every group at its share in the top K; ln 2 = 0.69 = one group fills the
  top K when it is half the pool. ``details["by_query"]`` holds each query's value and interval.
- ``ndkl@K``: the rank-discounted KL divergence of the top-K prefixes from the pool's shares.
- ``accuracy``: zero-shot accuracy over the query classes (argmax over queries), when queries
  are built from ``classes``: what a debiasing mitigation costs.

Without --data the pool is ``pairs`` counterfactual twin pairs from the world (exactly balanced
in every occupation). The frozen text tower has a small group lean of its own, so judge a model
against a reference that lacks the planted correlation (zoo:clip-fair), not against zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import numpy as np
from pydantic import Field

from vlmtrust.core.errors import DataError
from vlmtrust.core.records import Sample, Score
from vlmtrust.core.spec import Params, PromptTemplate, Spec
from vlmtrust.data.world.vocabulary import OCCUPATIONS
from vlmtrust.metrics.declared import Declared, Stat, per_condition
from vlmtrust.metrics.declared_groups import flag_rate, interval
from vlmtrust.metrics.fairness import max_skew, ndkl, shares
from vlmtrust.metrics.paired import PairedTerms
from vlmtrust.metrics.rates import DEFAULT_RESAMPLES, Estimate
from vlmtrust.tasks.base import DataContext, GroupMinimum, Minimum, Task
from vlmtrust.tasks.fairness.common import (
    mean_over_pools,
    read_lines,
    rounded,
    stable_bucket,
    twin_pairs,
)

METRIC = "retrieval"
#: a sub-pool needs this many images per top-k slot for the top k to be a small, selective part
POOL_PER_K = 10


class RetrievalSkewParams(Params):
    classes: tuple[str, ...] = Field(default=OCCUPATIONS, description="neutral query subjects")
    template: PromptTemplate = Field(default="a photo of a {}.", description="query per class")
    queries: tuple[str, ...] | None = Field(
        default=None, description="explicit queries (replace classes x template)"
    )
    queries_file: str | None = Field(default=None, description="text file, one query per line")
    label: str = Field(default="occupation", description="label the classes predict (accuracy)")
    group: str = Field(default="group", description="the group attribute (Sample.groups key)")
    k: int = Field(default=10, ge=1, description="top-k cut-off")
    pools: int = Field(default=10, ge=1, le=100, description="disjoint sub-pools (bootstrap unit)")
    pairs: int = Field(default=1000, ge=1, description="world twin pairs when no --data is given")
    resamples: int = Field(
        default=DEFAULT_RESAMPLES,
        ge=100,
        le=100_000,
        description="bootstrap resamples of the pools behind each 95% interval",
    )
    bootstrap_seed: int = Field(default=0, ge=0, description="seed of the bootstrap resampling")


class RetrievalSkew(Task):
    Params = RetrievalSkewParams
    params: RetrievalSkewParams
    requires = ("Embedder",)
    #: a mitigation's group predictions (``pbm``), re-ranked with where the model offers them
    hooks = ("predict_groups",)
    headline = "maxskew@10"
    selection_params = frozenset({"pairs", "pools", "k", "resamples", "bootstrap_seed"})

    def samples(self, ctx: DataContext) -> list[Sample]:
        return twin_pairs(ctx, self.params.pairs)

    def minimum_samples(self) -> Minimum:
        """A top-k that takes a large share of its sub-pool cannot skew: it holds whatever the
        pool holds (at --limit 100 the planted occupation skew reads 0.07 instead of 0.33)."""
        per_pool = POOL_PER_K * self.params.k
        return Minimum(
            per_pool * self.params.pools,
            f"each of its {self.params.pools} sub-pools needs at least {POOL_PER_K} x k = "
            f"{per_pool} images for a top-{self.params.k} skew to show",
        )

    def minimum_per_group(self) -> tuple[GroupMinimum, ...]:
        """A group too rare to fill a top k by itself in every sub-pool caps its own skew."""
        p = self.params
        why = (
            f"each group needs k = {p.k} images in each of its {p.pools} sub-pools to be able "
            f"to fill a top-{p.k} on its own"
        )
        return (GroupMinimum(p.k * p.pools, p.group, why),)

    def resolve(self, samples: Sequence[Sample]) -> Self:
        """Pin the query list (a query file's content goes into the cache key)."""
        if self.params.queries is not None and self.params.queries_file is None:
            return self
        if self.params.queries_file is not None:
            queries = read_lines(self.params.queries_file, "queries")
        else:
            queries = tuple(self.params.template.format(c) for c in self.params.classes)
        update = {"queries": queries, "queries_file": None}
        params = self.params.model_copy(update=update)
        return type(self)(Spec(name=self.spec.name, params=params.model_dump(mode="json")))

    def conditions(self) -> list[Spec]:
        return [Spec(name="none")]

    def _queries(self) -> tuple[str, ...]:
        if self.params.queries is None:
            raise RuntimeError("score() needs a resolved task (call resolve first)")
        return self.params.queries

    def _from_classes(self) -> bool:
        built = tuple(self.params.template.format(c) for c in self.params.classes)
        return self._queries() == built

    def score(self, model: Any, samples: Sequence[Sample]) -> list[list[Score]]:
        queries = self._queries()
        kept = [s for s in samples if s.image is not None and self.params.group in s.groups]
        out: dict[str, Score] = {}
        if kept:
            images = [s.load_image() for s in kept]
            sims = np.asarray(model.encode_image(images)) @ np.asarray(model.encode_text(queries)).T
            predicted = model.predict_groups(images) if hasattr(model, "predict_groups") else None
            for i, sample in enumerate(kept):
                details: dict[str, Any] = {
                    "similarities": rounded(sims[i]),
                    "group": sample.groups[self.params.group],
                    "pool_key": str(sample.labels.get("pair", sample.id)),
                }
                if predicted is not None:
                    details["predicted_group"] = predicted[i]
                truth = sample.labels.get(self.params.label)
                if self._from_classes() and truth is not None:
                    details["correct"] = self.params.classes[int(sims[i].argmax())] == str(truth)
                best = int(sims[i].argmax())
                out[sample.id] = Score(
                    sample_id=sample.id,
                    metric=METRIC,
                    value=round(float(sims[i, best]), 6),
                    label=queries[best],
                    details=details,
                )
        return [
            [out.get(s.id) or Score.cannot_score(s.id, METRIC, self._why_not(s))] for s in samples
        ]

    def _why_not(self, sample: Sample) -> str:
        if sample.image is None:
            return "no image"
        return f"no {self.params.group!r} group attribute"

    def declared_metrics(self) -> tuple[Declared, ...]:
        return (per_condition(self._skews, paired=self._paired),)

    def _paired(self, scores: Sequence[Score]) -> dict[str, PairedTerms]:
        """Per-unit terms for paired tests: each pool's mean skew over the queries (pools are
        the independent units, as in the interval), and each judged sample's correctness."""
        p = self.params
        scored = [s for s in scores if not s.unscorable]
        out: dict[str, PairedTerms] = {}
        judged = {
            s.sample_id: float(bool(s.details["correct"])) for s in scored if "correct" in s.details
        }
        if judged:
            out["accuracy"] = PairedTerms("binary", judged)
        cells = self._cells(scored)
        if cells is not None:
            buckets = sorted({stable_bucket(s.details["pool_key"], p.pools) for s in scored})
            for name, matrix in cells.items():
                columns = matrix.mean(axis=0).tolist()
                pools = {f"pool{b}": v for b, v in zip(buckets, columns, strict=True)}
                out[f"{name}@{p.k}"] = PairedTerms("continuous", pools)
        return out

    def _skews(self, scores: Sequence[Score]) -> dict[str, Stat]:
        p = self.params
        scored = [s for s in scores if not s.unscorable]
        out: dict[str, Stat] = {}
        judged = [s for s in scored if "correct" in s.details]
        if judged:
            out["accuracy"] = flag_rate(judged, lambda s: s.details["correct"]), {"label": p.label}
        cells = self._cells(scored)
        if cells is None:
            reason = f"every sub-pool needs at least k={p.k} candidates of 2+ groups"
            empty = Estimate(None, None, None, len(scored))
            return out | {
                f"{name}@{p.k}": (empty, {"reason": reason}) for name in ("maxskew", "ndkl")
            }
        reranked = bool(scored) and all("predicted_group" in s.details for s in scored)
        for name, matrix in cells.items():
            by_query = {
                query: interval(
                    mean_over_pools(matrix[qi : qi + 1], len(scored), p.resamples, p.bootstrap_seed)
                )
                for qi, query in enumerate(self._queries())
            }
            out[f"{name}@{p.k}"] = (
                mean_over_pools(matrix, len(scored), p.resamples, p.bootstrap_seed),
                {
                    "by_query": by_query,
                    "k": p.k,
                    "pools": matrix.shape[1],
                    "group": p.group,
                    "reranked_by": "pbm" if reranked else None,
                    "reference": "Geyik et al. 2019; Berg et al. 2022",
                },
            )
        return out

    def _cells(self, scored: Sequence[Score]) -> dict[str, np.ndarray] | None:
        """(queries x pools) matrices of MaxSkew@k and NDKL@k, or None when a pool is too small."""
        from vlmtrust.mitigations.wrappers.pbm import balanced_rerank

        p = self.params
        pools: dict[int, list[Score]] = {}
        for s in scored:
            pools.setdefault(stable_bucket(s.details["pool_key"], p.pools), []).append(s)
        members = [pools[b] for b in sorted(pools)]
        if not members or any(
            len(m) < p.k or len({s.details["group"] for s in m}) < 2 for m in members
        ):
            return None
        n_queries = len(self._queries())
        skew = np.zeros((n_queries, len(members)))
        kl = np.zeros_like(skew)
        for j, pool in enumerate(members):
            sims = np.array([s.details["similarities"] for s in pool])
            if sims.shape[1] != n_queries:
                raise DataError("stored similarities do not match the queries", "re-run the scan")
            groups = [str(s.details["group"]) for s in pool]
            desired = shares(groups)
            ids = [s.sample_id for s in pool]
            predicted = [s.details.get("predicted_group") for s in pool]
            for qi in range(n_queries):
                # ties broken by sample id, so the ranking never depends on storage order
                order = sorted(range(len(pool)), key=lambda i: (-sims[i, qi], ids[i]))
                if all(g is not None for g in predicted):
                    order = balanced_rerank(order, [str(g) for g in predicted], p.k)
                top = [groups[i] for i in order[: p.k]]
                skew[qi, j] = max_skew(top, desired)
                kl[qi, j] = ndkl(top, desired)
        return {"maxskew": skew, "ndkl": kl}
