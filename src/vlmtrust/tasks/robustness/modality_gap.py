"""The modality gap (Liang et al., 2022, "Mind the Gap"): do images and their captions live in
the same part of the shared embedding space, or in two separate cones?

A contrastive image-text model can rank matching pairs well while its image and text embeddings
sit far apart; then cosine thresholds, MCM-style OOD scores and any cross-modal arithmetic that
assumes one shared space are off by a constant offset. Per condition the task reports:

- ``centroid_gap``: L2 distance between the mean image and the mean caption embedding (both
  L2-normalised first, as in the paper), with a paired bootstrap 95% interval;
- ``mean_pair_cosine``: mean cosine of each image with its own caption, bootstrap 95% interval;
- ``modality_separability``: k-fold cross-validated accuracy of a logistic regression telling
  image embeddings from text embeddings (0.5 = one space, 1.0 = two separable clouds), with a
  Wilson interval on the pooled correct count and the folds' min/max in details. Folds are drawn
  from a hash of the sample ids (:mod:`vlmtrust.metrics.folds`) and every statistic reads the
  pairs in sample-id order, so the same samples give the same numbers in any order.

Each sample's two embeddings are stored in its Score, rounded to 5 decimals, and the aggregate
recomputes everything from the stored vectors: a resumed or re-aggregated run gives the same
numbers as a fresh one. Samples without an image or a caption are unscorable.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from pydantic import Field

from vlmtrust.core.records import Sample, Score
from vlmtrust.core.spec import Spec
from vlmtrust.metrics import calibration
from vlmtrust.metrics.declared import Declared, Row, per_condition
from vlmtrust.metrics.folds import id_folds
from vlmtrust.metrics.rates import Estimate, Resampled, wilson
from vlmtrust.tasks.base import DataContext, Task
from vlmtrust.tasks.robustness.conditions import (
    CONDITION_PARAMS,
    CorruptionParams,
    corruption_conditions,
    scene_samples,
)

METRIC = "pair"
#: decimals kept per stored embedding coordinate: ~1e-5 error on unit vectors, a third of the
#: JSON of full float32 precision, far below any difference the metrics can resolve
DECIMALS = 5
REFERENCE = "Liang et al. 2022, Mind the Gap (NeurIPS)"
SEPARABILITY = {
    "chance": 0.5,
    "classifier": "logistic regression (sklearn, lbfgs, C=1)",
    "split": "folds stratified by a seeded hash of the sample id; a pair's image and caption "
    "share a fold",
    "interval": "Wilson 95% on the pooled out-of-fold correct count",
}


class ModalityGapParams(CorruptionParams):
    corruptions: tuple[str, ...] = Field(
        default=(), description="corruptions to run besides the clean condition (default none)"
    )
    caption: str = Field(default="caption", description="sample label holding the caption")
    n: int = Field(default=200, ge=1, description="world scenes to draw when no --data is given")
    family: str = Field(default="objects", description="world family when no --data is given")
    folds: int = Field(default=5, ge=2, le=20, description="cross-validation folds")
    cv_seed: int = Field(default=0, ge=0, description="seed of the fold split")
    resamples: int = Field(default=1000, ge=100, le=100_000, description="bootstrap resamples")
    bootstrap_seed: int = Field(default=0, ge=0, description="seed of the bootstrap intervals")


class ModalityGap(Task):
    """Image and caption embeddings per sample; gap, pair cosine and separability per condition."""

    Params = ModalityGapParams
    params: ModalityGapParams
    requires = ("Embedder",)
    # only the caption label decides what one sample's score is; the rest picks samples or
    # shapes the aggregate
    selection_params = CONDITION_PARAMS | {
        "n",
        "family",
        "folds",
        "cv_seed",
        "resamples",
        "bootstrap_seed",
    }

    def samples(self, ctx: DataContext) -> list[Sample]:
        return scene_samples(ctx, self.params.n, self.params.family)

    def conditions(self) -> list[Spec]:
        return corruption_conditions(self.params)

    def _caption(self, sample: Sample) -> str | None:
        value = sample.labels.get(self.params.caption)
        text = None if value is None else str(value).strip()
        return text or None

    def score(self, model: Any, samples: Sequence[Sample]) -> list[list[Score]]:
        kept = [s for s in samples if s.image is not None and self._caption(s)]
        images = texts = np.zeros((0, 0))
        if kept:
            images = _unit_rows(model.encode_image([s.load_image() for s in kept]))
            texts = _unit_rows(model.encode_text([self._caption(s) or "" for s in kept]))
        row = {s.id: i for i, s in enumerate(kept)}
        out: list[list[Score]] = []
        for sample in samples:
            if sample.id not in row:
                reason = "no image" if sample.image is None else f"no {self.params.caption!r} label"
                out.append([Score.cannot_score(sample.id, METRIC, reason)])
                continue
            i = row[sample.id]
            image, text = _stored(images[i]), _stored(texts[i])
            out.append(
                [
                    Score(
                        sample_id=sample.id,
                        metric=METRIC,
                        value=float(_cosines(np.array([image]), np.array([text]))[0]),
                        details={"image": image, "text": text},
                    )
                ]
            )
        return out

    def declared_metrics(self) -> Sequence[Declared]:
        return (per_condition(self._gap),)

    def _gap(self, scores: Sequence[Score]) -> Iterator[Row]:
        """Centroid gap and pair cosine (bootstrap), separability (cross-validated, Wilson)."""
        p = self.params
        mine = [s for s in scores if s.metric == METRIC]
        # in sample-id order: the scores may arrive in any order, and the bootstrap draws and
        # the classifier's fit would follow it
        scored = sorted((s for s in mine if not s.unscorable), key=lambda s: s.sample_id)
        images = np.array([s.details["image"] for s in scored], dtype=np.float64)
        texts = np.array([s.details["text"] for s in scored], dtype=np.float64)
        base: dict[str, Any] = {
            "n_pairs": len(scored),
            "n_unscorable": len(mine) - len(scored),
            "reference": REFERENCE,
        }
        reasons = sorted({s.reason for s in mine if s.unscorable and s.reason})
        if reasons:
            base["unscorable_reasons"] = reasons
        boot = f"percentile bootstrap, {p.resamples} resamples, seed {p.bootstrap_seed}"
        gap = centroid_gap_estimate(images, texts, p.resamples, p.bootstrap_seed)
        yield "centroid_gap", gap, {**base, "interval": f"paired {boot}"}
        cosines = _cosines(images, texts) if len(scored) else np.zeros(0)
        cosine = calibration.mean_estimate(cosines, p.resamples, p.bootstrap_seed)
        yield "mean_pair_cosine", cosine, {**base, "interval": boot}
        ids = [s.sample_id for s in scored]
        separable, folds = separability_estimate(images, texts, p.folds, p.cv_seed, ids)
        yield "modality_separability", separable, {**base, **folds, **SEPARABILITY}


# --------------------------------------------------------------------------- the statistics


def centroid_gap(images: np.ndarray, texts: np.ndarray) -> float:
    """L2 distance between the mean image embedding and the mean text embedding."""
    return float(np.linalg.norm(images.mean(axis=0) - texts.mean(axis=0)))


def centroid_gap_estimate(
    images: np.ndarray, texts: np.ndarray, resamples: int = 1000, seed: int = 0
) -> Estimate:
    """The gap with a paired bootstrap 95% interval (a resample draws pairs, keeping each
    image with its caption). The gap is the norm of the mean pairwise difference, so a
    resample's gap is one matrix product of its draw counts, not a (resamples, n, d) array."""
    n = len(images)
    if n == 0:
        return Estimate(None, None, None, 0)
    diff = images - texts

    def gaps(idx: np.ndarray) -> np.ndarray:
        counts = np.zeros((len(idx), n))
        np.add.at(counts, (np.arange(len(idx))[:, None], idx), 1.0)
        return np.asarray(np.linalg.norm(counts @ diff / n, axis=1))

    low, high = calibration.bootstrap_interval(n, gaps, resamples, seed)
    return Estimate(centroid_gap(images, texts), low, high, n, resampled=Resampled(n, "pairs"))


def separability_estimate(
    images: np.ndarray,
    texts: np.ndarray,
    folds: int = 5,
    seed: int = 0,
    ids: Sequence[str] | None = None,
) -> tuple[Estimate, dict[str, Any]]:
    """Out-of-fold accuracy of a logistic regression separating image from text embeddings
    over all 2n embeddings, in stratified folds drawn from the pair ids (``ids``; the row
    positions when none are given) so the same pairs give the same number in any order, and a
    pair's image and caption share a fold; Wilson interval on the pooled correct count, and
    each fold's accuracy in the details. No value with fewer pairs than folds (a fold would
    lack one of the classes)."""
    from sklearn.linear_model import LogisticRegression

    n = len(images)
    if n < folds:
        return Estimate(None, None, None, 2 * n), {"folds": folds, "fold_accuracy": []}
    x = np.concatenate([images, texts])
    y = np.r_[np.zeros(n, dtype=int), np.ones(n, dtype=int)]
    keys = [str(i) for i in range(n)] if ids is None else [str(i) for i in ids]
    fold = id_folds([*keys, *keys], [str(v) for v in y], folds, seed)
    correct, per_fold = 0, []
    for k in range(folds):
        train, test = fold != k, fold == k
        clf = LogisticRegression(max_iter=2000).fit(x[train], y[train])
        hits = int((clf.predict(x[test]) == y[test]).sum())
        correct += hits
        per_fold.append(round(hits / int(test.sum()), 6))
    low, high = wilson(correct, 2 * n)
    details = {
        "folds": folds,
        "fold_accuracy": per_fold,
        "fold_min": min(per_fold),
        "fold_max": max(per_fold),
    }
    return Estimate(correct / (2 * n), low, high, 2 * n), details


def _cosines(images: np.ndarray, texts: np.ndarray) -> np.ndarray:
    """Cosine of each row pair; re-normalised, so stored (rounded) vectors give true cosines."""
    return np.asarray((_unit_rows(images) * _unit_rows(texts)).sum(axis=1))


def _unit_rows(x: Any) -> np.ndarray:
    """L2-normalised rows: the Embedder contract promises them, an adapter may not deliver."""
    a = np.asarray(x, dtype=np.float64)
    norms = np.linalg.norm(a, axis=1, keepdims=True)
    return np.asarray(a / np.where(norms == 0, 1.0, norms))


def _stored(vector: np.ndarray) -> list[float]:
    return [float(v) for v in np.round(vector, DECIMALS)]
