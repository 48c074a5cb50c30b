"""What the store holds, as frozen records: results, human labels, gallery examples, and the
unscorable counts a report shows."""

from __future__ import annotations

from typing import Literal

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

    model_config = ConfigDict(frozen=True, extra="forbid")

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


#: how bad a finding is, worst first (``info`` is below every threshold: never a finding)
SEVERITIES = ("critical", "high", "medium", "low", "info")
Severity = Literal["critical", "high", "medium", "low", "info"]


class Finding(BaseModel):
    """One thing wrong with a model, derived from a metric row by the severity thresholds
    (``metrics.findings``) and stored with the rows, so every report format lists the same."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pillar: str
    task: str
    metric: str
    attack: str
    model: str
    severity: Severity
    #: the rule (``metrics/severity.toml``) that judged the row
    rule: str
    #: one sentence with the numbers and their interval
    statement: str
    #: the rows it rests on, as ``task/attack/mitigation/metric/model``
    evidence: tuple[str, ...]
    #: the report anchors to jump to: the task's rows and its gallery
    anchors: tuple[str, ...]
    #: the best mitigation's effect, or that no mitigation in this run fixed it
    fix: str
    #: the mitigation that fixed it, if one did
    fixed_by: str | None = None
    #: distance from the reference in the bad direction (ranks findings of one severity)
    distance: float
