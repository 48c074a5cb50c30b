"""Out-of-distribution detection: can the model's own scores tell inputs like its training data
from inputs it never saw?

A model that is as confident on unfamiliar inputs as on familiar ones gives no warning when it
is used outside its domain. Each sample gets four detector scores (MSP, MaxLogit, Energy, MCM),
all oriented so that higher means "more in-distribution"; per condition the task reports AUROC
and FPR at 95% TPR per detector with stratified bootstrap intervals. An AUROC below 0.5 means
the detector ranks unfamiliar inputs as *more* familiar: over-confidence out of distribution.

In-distribution samples are world ``objects`` scenes (or the user's --data); OOD samples are the
OOD set the data source pairs with them (``--data imagenet_o:IN::OUT``, ``ninco:``,
``ood_pair:``), else the world's ``ood`` family (shapes and backgrounds no zoo model was trained
on), or a user folder given as ``ood_data``. Membership travels in the ``ood`` label, so the
stored samples say which side they are on. This module also holds what
``robustness.calibration`` shares with it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Self

import numpy as np
from pydantic import Field

from vlmtrust.core.capabilities import Embedder
from vlmtrust.core.errors import ConfigError
from vlmtrust.core.paths import user_file
from vlmtrust.core.records import LabelValue, Sample, Score
from vlmtrust.core.spec import PromptTemplate, Spec
from vlmtrust.data.source import NotSupplied, OutOfDistribution, Scenes, label_vocabulary
from vlmtrust.metrics import detection
from vlmtrust.metrics.declared import Declared, Row, per_condition
from vlmtrust.metrics.paired import PairedTerms, statistic_terms
from vlmtrust.metrics.power import AUROC_PER_SIDE, AUROC_WHY
from vlmtrust.tasks.base import DataContext, GroupMinimum, Task
from vlmtrust.tasks.robustness.conditions import (
    CONDITION_PARAMS,
    CorruptionParams,
    corruption_conditions,
)
from vlmtrust.tasks.robustness.selective import Selective, abstained_rows, abstention

OOD_LABEL = "ood"
OOD_ID_PREFIX = "ood:"
DETECTORS: tuple[str, ...] = ("msp", "max_logit", "energy", "mcm")
_TRUE = frozenset({"true", "1", "yes", "y", "ood", "out"})
_FALSE = frozenset({"false", "0", "no", "n", "in", "id"})


class InOutParams(CorruptionParams):
    """Where the in- and out-of-distribution samples come from, and the class set."""

    corruptions: tuple[str, ...] = Field(
        default=(), description="corruptions to run besides the clean condition (default none)"
    )
    label: str = Field(default="shape", description="which sample label names the class")
    template: PromptTemplate = Field(
        default="a photo of a {}.", description="prompt per class name"
    )
    classes: tuple[str, ...] | None = Field(
        default=None,
        description="class names; default: the world's set, or the in-distribution data's labels",
    )
    n_in: int = Field(default=200, ge=1, description="in-distribution world scenes (no --data)")
    n_out: int = Field(
        default=200,
        ge=0,
        description="OOD world scenes (no ood_data); 0 if --data marks its own with an 'ood' label",
    )
    family: str = Field(default="objects", description="in-distribution world family")
    ood_family: str = Field(default="ood", description="OOD world family")
    ood_data: str | None = Field(
        default=None, description="a dataset folder of OOD images, instead of world scenes"
    )
    resamples: int = Field(default=1000, ge=100, le=100_000, description="bootstrap resamples")
    bootstrap_seed: int = Field(default=0, ge=0, description="seed of the bootstrap intervals")


#: Parameters that choose samples or conditions, or only shape aggregation: none of them changes
#: how one sample is scored, so none is in the per-sample cache key.
IN_OUT_SELECTION = CONDITION_PARAMS | {
    "n_in",
    "n_out",
    "family",
    "ood_family",
    "ood_data",
    "resamples",
    "bootstrap_seed",
}


def membership(sample: Sample) -> bool | None:
    """True for OOD, False for in-distribution, None when the sample does not say.

    Read from the ``ood`` label (bool, 0/1, or words like "true"/"false"), else from a
    ``family`` label (``ood`` is the world's OOD family)."""
    value: LabelValue | None = sample.labels.get(OOD_LABEL)
    if value is not None:
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return bool(value) if value in (0, 1) else None
        text = value.strip().lower()
        return True if text in _TRUE else False if text in _FALSE else None
    family = sample.labels.get("family")
    return None if family is None else family == "ood"


def _side(sample: Sample) -> str | None:
    side = membership(sample)
    return None if side is None else "ood" if side else "in-distribution"


def _marked(sample: Sample, ood: bool) -> Sample:
    """The sample with its side written in the ``ood`` label, unless it already says."""
    if OOD_LABEL in sample.labels:
        return sample
    return sample.model_copy(update={"labels": {**sample.labels, OOD_LABEL: ood}})


def in_and_out_samples(ctx: DataContext, params: InOutParams) -> list[Sample]:
    """In-distribution samples (the run's source) followed by OOD ones (``ood_data``, else
    world scenes, whatever --data is), each marked with its side. ``--limit`` caps each side."""
    drawn = ctx.samples(Scenes(n=ctx.cap(params.n_in), family=params.family))
    inside = [_marked(s, False) for s in drawn]
    if params.ood_data is not None:
        from vlmtrust.data import load_data

        folder = user_file(params.ood_data, "ood_data")
        loaded = load_data(folder, on_bad="fail", limit=ctx.limit)
        # a prefix keeps OOD ids apart from in-distribution ones with the same file name
        outside = [
            s.model_copy(
                update={"id": OOD_ID_PREFIX + s.id, "labels": {**s.labels, OOD_LABEL: True}}
            )
            for s in loaded.samples
        ]
    else:
        outside = [_marked(s, True) for s in _out_of_distribution(ctx, params)]
    return inside + outside


def _out_of_distribution(ctx: DataContext, params: InOutParams) -> list[Sample]:
    """The source's own OOD set where it pairs one with its scenes (an ImageNet folder with
    ImageNet-O), else world scenes of the OOD family, whatever --data is."""
    if not params.n_out:
        return []
    try:
        return ctx.samples(OutOfDistribution(n=ctx.cap(params.n_out)))
    except NotSupplied:
        return ctx.reference(Scenes(n=ctx.cap(params.n_out), family=params.ood_family))


def resolve_classes(label: str, samples: Sequence[Sample]) -> list[str]:
    """The class names to offer: the source's full list when every in-distribution sample comes
    from a source that knows it (the world's, so a small --limit does not shrink the label set),
    else the in-distribution samples' distinct label values. OOD samples never add classes:
    they must not be offered."""
    inside = [s for s in samples if membership(s) is False and label in s.labels]
    known = label_vocabulary(label, inside)
    if known is not None and all(str(s.labels[label]) in known for s in inside):
        return list(known)
    return sorted({str(s.labels[label]) for s in inside})


class InOutTask(Task):
    """A task scored on in- and out-of-distribution samples with a Classifier over a class set."""

    Params = InOutParams
    params: InOutParams
    requires = ("Classifier",)
    headline = "auroc_msp"
    selection_params = IN_OUT_SELECTION

    def samples(self, ctx: DataContext) -> list[Sample]:
        return in_and_out_samples(ctx, self.params)

    def resolve(self, samples: Sequence[Sample]) -> Self:
        if self.params.classes is not None:
            return self
        classes = resolve_classes(self.params.label, samples)
        if not classes:
            raise ConfigError(
                f"{self.spec.name}: no in-distribution sample has a {self.params.label!r} label "
                "to take class names from",
                "pass classes=[...] or label=<a label your data has>",
            )
        params = self.params.model_copy(update={"classes": tuple(classes)})
        return type(self)(Spec(name=self.spec.name, params=params.model_dump(mode="json")))

    def conditions(self) -> list[Spec]:
        return corruption_conditions(self.params)

    def prompts(self) -> list[str]:
        if self.params.classes is None:
            raise RuntimeError("score() needs a resolved task (call resolve first)")
        return [self.params.template.format(c) for c in self.params.classes]

    def usable(self, samples: Sequence[Sample]) -> tuple[list[Sample], dict[str, str]]:
        """The samples that can be scored, and why each other one cannot."""
        kept: list[Sample] = []
        reasons: dict[str, str] = {}
        for sample in samples:
            reason = self.unscorable_reason(sample)
            if reason is None:
                kept.append(sample)
            else:
                reasons[sample.id] = reason
        return kept, reasons

    def unscorable_reason(self, sample: Sample) -> str | None:
        if sample.image is None:
            return "no image"
        if membership(sample) is None:
            return "no 'ood' or 'family' label saying whether the sample is out of distribution"
        return None


class OodParams(InOutParams):
    mcm_temperature: float = Field(default=1.0, gt=0, description="MCM softmax temperature")


class OodDetection(InOutTask):
    """Four OOD detectors per sample; AUROC and FPR95 per detector and condition. MCM needs an
    Embedder too: with a Classifier-only model its scores are unscorable, the others are not."""

    Params = OodParams
    params: OodParams
    hooks = ("Embedder",)  # MCM, where the model is an Embedder too

    def minimum_per_group(self) -> tuple[GroupMinimum, ...]:
        """AUROC and FPR95 separate the in-distribution side from the OOD side."""
        rows = ("auroc_*", "fpr95_*")
        return (GroupMinimum(AUROC_PER_SIDE, "side", AUROC_WHY, rows=rows, group_of=_side),)

    def score(self, model: Any, samples: Sequence[Sample]) -> list[list[Score]]:
        prompts = self.prompts()
        kept, reasons = self.usable(samples)
        values: dict[str, np.ndarray] = {}
        mcm_reason = None
        declined = np.zeros(len(kept), dtype=bool)
        if kept:
            images = [s.load_image() for s in kept]
            logits = np.asarray(model.classify(images, prompts), dtype=np.float64)
            declined = abstained_rows(logits)
            values = {
                "msp": detection.msp(logits),
                "max_logit": detection.max_logit(logits),
                "energy": detection.energy(logits),
            }
            if isinstance(model, Embedder):
                values["mcm"] = detection.mcm(
                    model.encode_image(images),
                    model.encode_text(prompts),
                    self.params.mcm_temperature,
                )
            else:
                mcm_reason = "the model is not an Embedder (MCM needs image and text embeddings)"
        row = {s.id: i for i, s in enumerate(kept)}
        out: list[list[Score]] = []
        for sample in samples:
            if sample.id in reasons:
                out.append(
                    [Score.cannot_score(sample.id, d, reasons[sample.id]) for d in DETECTORS]
                )
                continue
            i, ood = row[sample.id], membership(sample)
            if declined[i]:  # the model abstained (a mitigation): no detector score to read
                out.append(
                    [
                        *(Score.cannot_score(sample.id, d, "abstained") for d in DETECTORS),
                        abstention(sample.id, ood=ood),
                    ]
                )
                continue
            scores = []
            for name in DETECTORS:
                if name not in values:
                    scores.append(Score.cannot_score(sample.id, name, mcm_reason or "no score"))
                    continue
                scores.append(
                    Score(
                        sample_id=sample.id,
                        metric=name,
                        value=float(values[name][i]),
                        details={"ood": ood},
                    )
                )
            out.append(scores)
        return out

    def declared_metrics(self) -> Sequence[Declared]:
        return (per_condition(self._detection, paired=_detection_terms), coverage_by_side("msp"))

    def _detection(self, scores: Sequence[Score]) -> Iterator[Row]:
        """AUROC and FPR at 95% TPR per detector, stratified bootstrap intervals."""
        boot = (self.params.resamples, self.params.bootstrap_seed)
        for name in DETECTORS:
            mine = [s for s in scores if s.metric == name]
            scored = [s for s in mine if not s.unscorable and s.value is not None]
            ins = np.array([s.value for s in scored if not s.details.get("ood")], dtype=float)
            outs = np.array([s.value for s in scored if s.details.get("ood")], dtype=float)
            details: dict[str, Any] = {
                "detector": name,
                "n_in": len(ins),
                "n_out": len(outs),
                "n_unscorable": len(mine) - len(scored),
                "mean_in": float(ins.mean()) if len(ins) else None,
                "mean_out": float(outs.mean()) if len(outs) else None,
                "positive": "in-distribution (higher score = more in-distribution)",
                "interval": f"stratified percentile bootstrap, {boot[0]} resamples, seed {boot[1]}",
            }
            reasons = sorted({s.reason for s in mine if s.unscorable and s.reason})
            if reasons:
                details["unscorable_reasons"] = reasons
            fpr_details = {**details, "tpr": detection.DEFAULT_TPR}
            if len(ins) and len(outs):
                details["roc"] = detection.roc_points(ins, outs)
            yield f"auroc_{name}", detection.auroc_estimate(ins, outs, *boot), details
            fpr = detection.fpr_at_tpr_estimate(ins, outs, detection.DEFAULT_TPR, *boot)
            yield f"fpr95_{name}", fpr, fpr_details


def _detection_terms(scores: Sequence[Score]) -> dict[str, PairedTerms]:
    """Per detector, its score and side (1 = OOD) by sample id: what a paired bootstrap of
    AUROC and FPR95 resamples; none where a sample has several scores of a detector."""
    out: dict[str, PairedTerms] = {}
    for name in DETECTORS:
        scored = [s for s in scores if s.metric == name and s.value is not None]
        scored = [s for s in scored if not s.unscorable]
        values = {s.sample_id: float(s.value or 0.0) for s in scored}
        if len(values) < len(scored):
            continue
        sides = {s.sample_id: float(bool(s.details.get("ood"))) for s in scored}
        out[f"auroc_{name}"] = statistic_terms("auroc", values, sides)
        out[f"fpr95_{name}"] = statistic_terms("fpr95", values, sides)
    return out


def coverage_by_side(answered: str) -> Selective:
    """Coverage in and out of distribution, once the model abstained on some sample."""
    return Selective(answered=answered, accuracy=False, split="ood", only_if_abstained=True)
