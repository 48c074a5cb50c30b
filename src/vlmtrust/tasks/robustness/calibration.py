"""Calibration in and out of distribution: is the model's confidence worth trusting?

A model whose 99% means "right 99% of the time" on familiar inputs but still says 99% on inputs
it never saw gives no warning when used outside its domain. Each sample stores its top-label
confidence, whether the top label is right and the probability of the true class; per condition
the task reports, separately for in-distribution (``_in``) and OOD (``_out``) samples, accuracy
(Wilson interval), ECE over 15 equal-width bins with the reliability diagram, NLL, the binary
top-label Brier score and mean confidence (bootstrap intervals).

An OOD sample's true class is not among the offered classes, so it is never correct and its
``p_true`` is 0: ECE out of distribution is then exactly its mean confidence, and every point of
it is over-confidence. Samples come from the same sources as ``robustness.ood``.

NLL floors ``p_true`` at 1e-12 (27.631 nats); each NLL row counts the floored samples
(``n_floored``) and, where there are any, carries a ``note`` the report shows beside the value:
``nll_out`` is the floor by construction, for any model.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from pydantic import Field
from scipy.special import softmax

from vlmtrust.core.records import Sample, Score
from vlmtrust.metrics import calibration
from vlmtrust.metrics.declared import Declared, Row, per_condition
from vlmtrust.metrics.paired import Kind, PairedTerms, statistic_terms
from vlmtrust.metrics.rates import Estimate, wilson
from vlmtrust.tasks.robustness.ood import (
    IN_OUT_SELECTION,
    InOutParams,
    InOutTask,
    coverage_by_side,
    membership,
)
from vlmtrust.tasks.robustness.selective import abstention

SPLITS: tuple[tuple[str, bool], ...] = (("in", False), ("out", True))
CONFIDENCE = "mean max softmax probability"
#: the NLL term of a floored probability: -log(1e-12) = 27.631 nats
FLOOR_NATS = float(-np.log(calibration.P_FLOOR))


class CalibrationParams(InOutParams):
    bins: int = Field(default=calibration.BINS, ge=1, le=100, description="ECE bins (equal width)")


class Calibration(InOutTask):
    """Confidence, correctness and p(true class) per sample; calibration metrics per split."""

    Params = CalibrationParams
    params: CalibrationParams
    selection_params = IN_OUT_SELECTION | {"bins"}  # bins only shape the aggregate
    headline = "ece_out"

    def unscorable_reason(self, sample: Sample) -> str | None:
        """An in-distribution sample needs its true class among the offered ones; an OOD one
        does not (its class is meant to be missing)."""
        reason = super().unscorable_reason(sample)
        if reason is not None or membership(sample):
            return reason
        label = self.params.label
        if label not in sample.labels:
            return f"no {label!r} label"
        if str(sample.labels[label]) not in (self.params.classes or ()):
            return f"true class {sample.labels[label]!r} is not among the offered classes"
        return None

    def score(self, model: Any, samples: Sequence[Sample]) -> list[list[Score]]:
        prompts = self.prompts()
        classes = list(self.params.classes or ())
        kept, reasons = self.usable(samples)
        probs = (
            softmax(
                np.asarray(
                    model.classify([s.load_image() for s in kept], prompts), dtype=np.float64
                ),
                axis=1,
            )
            if kept
            else np.zeros((0, len(classes)))
        )
        row = {s.id: i for i, s in enumerate(kept)}
        out: list[list[Score]] = []
        for sample in samples:
            ood = membership(sample)
            if sample.id in reasons:
                out.append(
                    [
                        Score(
                            sample_id=sample.id,
                            metric="confidence",
                            unscorable=True,
                            reason=reasons[sample.id],
                            details={"ood": ood},
                        )
                    ]
                )
                continue
            p = probs[row[sample.id]]
            if np.isnan(p).all():  # the model abstained (a mitigation): no confidence to read
                declined = Score(
                    sample_id=sample.id,
                    metric="confidence",
                    unscorable=True,
                    reason="abstained",
                    details={"ood": ood},
                )
                out.append([declined, abstention(sample.id, ood=ood)])
                continue
            best = int(p.argmax())
            truth = sample.labels.get(self.params.label)
            truth_text = None if truth is None else str(truth)
            index = classes.index(truth_text) if truth_text in classes else None
            out.append(
                [
                    Score(
                        sample_id=sample.id,
                        metric="confidence",
                        value=float(p[best]),
                        label=classes[best],
                        details={
                            "correct": index == best,
                            "p_true": 0.0 if index is None else float(p[index]),
                            "ood": bool(ood),
                            "truth": truth_text,
                        },
                    )
                ]
            )
        return out

    def declared_metrics(self) -> Sequence[Declared]:
        calibration_rows = per_condition(self._calibration, paired=self._paired)
        return (calibration_rows, coverage_by_side("confidence"))

    def _paired(self, scores: Sequence[Score]) -> dict[str, PairedTerms]:
        """The per-sample terms of every row, by sample id, per split: hit, NLL, Brier term
        and confidence; for ECE (a binned statistic, no mean of terms) confidence with the hit
        as its label, for a paired bootstrap over the task's bins."""
        out: dict[str, PairedTerms] = {}
        mine = [s for s in scores if s.metric == "confidence" and not s.unscorable]
        for split, is_ood in SPLITS:
            scored = [s for s in mine if bool(s.details.get("ood")) is is_ood]
            ids = [s.sample_id for s in scored]
            if len(set(ids)) < len(ids):
                continue  # several scores per sample: nothing to pair one to one
            conf = np.array([s.value for s in scored], dtype=np.float64)
            hit = np.array([bool(s.details["correct"]) for s in scored], dtype=np.float64)
            nll = calibration.nll_terms([s.details["p_true"] for s in scored])
            per_sample: list[tuple[str, Kind, np.ndarray]] = [
                ("accuracy", "binary", hit),
                ("nll", "continuous", nll),
                ("brier", "continuous", (conf - hit) ** 2),
                ("confidence", "continuous", conf),
            ]
            for name, kind, terms in per_sample:
                values = dict(zip(ids, terms.tolist(), strict=True))
                out[f"{name}_{split}"] = PairedTerms(kind, values)
            hits = dict(zip(ids, hit.tolist(), strict=True))
            confidences = dict(zip(ids, conf.tolist(), strict=True))
            ece = f"ece:{self.params.bins}"
            out[f"ece_{split}"] = statistic_terms(ece, confidences, hits)
        return out

    def _calibration(self, scores: Sequence[Score]) -> Iterator[Row]:
        """Per split: accuracy (Wilson), ECE with its reliability diagram, NLL, Brier and mean
        confidence (bootstrap); a sample whose side is unknown is unscorable in both splits."""
        p, boot = self.params, (self.params.resamples, self.params.bootstrap_seed)
        interval = f"percentile bootstrap, {p.resamples} resamples, seed {p.bootstrap_seed}"
        mine = [s for s in scores if s.metric == "confidence"]
        for split, is_ood in SPLITS:
            scored = [s for s in mine if not s.unscorable and bool(s.details.get("ood")) is is_ood]
            skipped = sum(
                1 for s in mine if s.unscorable and s.details.get("ood") in (is_ood, None)
            )
            conf = np.array([s.value for s in scored], dtype=np.float64)
            hit = np.array([bool(s.details["correct"]) for s in scored], dtype=np.float64)
            p_true = np.array([s.details["p_true"] for s in scored], dtype=np.float64)
            side = "out-of-distribution" if is_ood else "in-distribution"
            base: dict[str, Any] = {"split": side, "n_unscorable": skipped, "interval": interval}
            ece = calibration.ece_estimate(conf, hit, p.bins, *boot)
            bins = calibration.reliability_diagram(conf, hit, p.bins) if len(conf) else []
            diagram = {"bins": p.bins, "reliability": [b.as_dict() for b in bins]}
            yield f"accuracy_{split}", _accuracy(hit), {**base, "interval": "Wilson 95%"}
            yield f"ece_{split}", ece, {**base, **diagram}
            nll = calibration.nll_estimate(p_true, *boot)
            yield f"nll_{split}", nll, {**base, **floor_details(p_true, is_ood)}
            brier = calibration.brier_estimate(conf, hit, *boot)
            yield f"brier_{split}", brier, {**base, "definition": calibration.BRIER_DEFINITION}
            mean_conf = calibration.mean_estimate(conf, *boot)
            yield f"confidence_{split}", mean_conf, {**base, "definition": CONFIDENCE}


def floor_details(p_true: np.ndarray, ood: bool) -> dict[str, Any]:
    """How many samples' NLL is the 1e-12 floor, the floor's share of the NLL, and (where any
    is) a ``note`` the report shows beside the value: 27.631 is ``-log(1e-12)``, not a model's
    measured surprise, and out of distribution it is the floor by construction."""
    k, n = calibration.floored(p_true), len(p_true)
    out: dict[str, Any] = {"p_floor": calibration.P_FLOOR, "n_floored": k}
    if not k:
        return out
    share = k * FLOOR_NATS / float(calibration.nll_terms(p_true).sum())
    out["floor_share_of_nll"] = round(share, 6)
    note = (
        f"{k} of {n} samples gave the true label a probability below 1e-12, each counted at the "
        f"floor (-ln 1e-12 = {FLOOR_NATS:.3f} nats); the floor makes up {share:.0%} of this NLL"
    )
    if share >= 0.5:
        note += ", so the NLL is dominated by the floor"
    if ood:
        note += (
            ". Out of distribution the true label is never among the offered classes, so its "
            "probability is 0 by construction and nll_out is the floor for any model: read "
            "ece_out and confidence_out instead"
        )
    out["note"] = note
    return out


def _accuracy(hit: np.ndarray) -> Estimate:
    if hit.size == 0:
        return Estimate(None, None, None, 0)
    hits = int(hit.sum())
    low, high = wilson(hits, hit.size)
    return Estimate(hits / hit.size, low, high, hit.size)
