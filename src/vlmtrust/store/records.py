"""What the store holds, as frozen records: results, human labels, gallery examples, and the
unscorable counts a report shows."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from vlmtrust.core.records import LabelValue, Score


class StoredResult(BaseModel):
    """One sample under one condition: every Score the task gave it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    task: str
    attack: str
    mitigation: str
    model: str
    sample_id: str
    scores: tuple[Score, ...]


class HumanLabel(BaseModel):
    """A reviewer's label for one Score of one stored result: its own source, kept beside the
    judge's. ``value`` (when given) replaces the judge's value in recomputed metrics."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    metric: str
    label: str | None = None
    value: float | None = None
    reviewer: str = "human"


class StoredExample(BaseModel):
    """One sample shown as evidence in the report: what the model saw, said, and the verdict."""

    # bytes travel as base64 in the store's JSON column (the saliency PNG lives there)
    model_config = ConfigDict(
        frozen=True, extra="forbid", ser_json_bytes="base64", val_json_bytes="base64"
    )

    task: str
    attack: str
    mitigation: str
    model: str
    sample_id: str
    image: bytes | None = None
    prompt: str | None = None
    response: str | None = None
    metric: str | None = None
    value: float | None = None
    #: the score's label: what the model predicted (or the judge decided)
    label: str | None = None
    reason: str | None = None
    unscorable: bool = False
    #: the sample's own (true) labels, so the gallery can set the prediction against them
    truth: dict[str, LabelValue] = {}
    #: a saliency overlay PNG of a failed example (what drew a Differentiable model to its
    #: answer, ``runner.saliency``); None where the model or the task gives none
    saliency: bytes | None = None


class UnscorableCount(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    task: str
    attack: str
    mitigation: str
    model: str
    reason: str
    count: int


class StoredTerms(BaseModel):
    """One metric row's per-sample terms: ``kind`` ``binary`` (0/1 outcomes, the row is their
    rate) or ``continuous`` (numbers, the row is their mean), by sample id (or pool id)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: (task, attack, mitigation, metric, model): the metric row these are the terms of
    key: tuple[str, str, str, str, str]
    kind: str
    values: dict[str, float]
