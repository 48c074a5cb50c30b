"""The records every part exchanges. All frozen: a stored result can never change under you."""

from __future__ import annotations

import io
from typing import Any, Literal

from PIL import Image
from pydantic import BaseModel, ConfigDict, model_validator

from vlmtrust.core.images import open_image, to_rgb
from vlmtrust.core.spec import canonical_json, sha256_hex

LabelValue = str | int | float | bool


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Sample(Record):
    """One input: an encoded image (PNG/JPEG bytes) and/or a prompt, with labels and groups.

    The image travels as encoded bytes so a sample is cheap to hash, pickle and ship to a
    worker; ``source`` records where it came from (a path, or ``world:<seed>:<index>``).
    """

    id: str
    image: bytes | None = None
    prompt: str | None = None
    labels: dict[str, LabelValue] = {}
    groups: dict[str, str] = {}
    source: str | None = None

    def content_hash(self) -> str:
        """Hash of everything a model sees or a task scores; ``source`` is provenance only."""
        meta = canonical_json(
            {"id": self.id, "prompt": self.prompt, "labels": self.labels, "groups": self.groups}
        )
        return sha256_hex(meta, self.image or b"")

    def load_image(self) -> Image.Image:
        """Decode the image as RGB (16-bit, alpha and CMYK as a person sees them, see
        :func:`vlmtrust.core.images.to_rgb`); callers that need one check ``image`` first.
        No pixel cap here: loaders check user bytes once, when they become a Sample."""
        if self.image is None:
            raise ValueError(f"sample {self.id} has no image")
        return to_rgb(open_image(self.image, max_pixels=None))

    def with_image(self, image: Image.Image) -> Sample:
        """A copy carrying a new image, PNG-encoded (lossless, deterministic bytes)."""
        return self.model_copy(update={"image": encode_png(image)})


def encode_png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


class Score(Record):
    """One judgement of one sample. ``unscorable`` is never counted as a pass or a fail."""

    sample_id: str
    metric: str
    value: float | None = None
    label: str | None = None
    unscorable: bool = False
    reason: str | None = None
    details: dict[str, Any] = {}

    @model_validator(mode="after")
    def _state_is_consistent(self) -> Score:
        if self.unscorable:
            if self.value is not None or not self.reason:
                raise ValueError("an unscorable Score has no value and must give a reason")
        elif self.value is None:
            raise ValueError("a scorable Score needs a value (or set unscorable with a reason)")
        return self

    @classmethod
    def cannot_score(cls, sample_id: str, metric: str, reason: str) -> Score:
        return cls(sample_id=sample_id, metric=metric, unscorable=True, reason=reason)


class MetricRow(Record):
    """The unit every consumer exchanges: one metric for one task/attack/mitigation/model.

    Keep the field names stable; other tools parse these rows.
    """

    task: str
    attack: str
    mitigation: str
    metric: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    model: str
    details: dict[str, Any] = {}


#: how bad a finding is, worst first (``info`` is below every threshold: never a finding)
SEVERITIES = ("critical", "high", "medium", "low", "info")
Severity = Literal["critical", "high", "medium", "low", "info"]


class FixCost(Record):
    """What a finding's fix costs elsewhere in the same run on the same model: the worst change
    the mitigation causes on a utility row (``metrics.utility``), with its paired interval."""

    #: the mitigated utility row, as ``task/attack/mitigation/metric/model``; None when the run
    #: measured no utility row under the mitigation
    row: str | None = None
    before: float | None = None
    after: float | None = None
    #: after minus before (the paired difference where the row has a paired test)
    change: float | None = None
    #: the paired test's 95% interval of the change; None without a paired test
    ci_low: float | None = None
    ci_high: float | None = None
    #: the cost in one phrase, as every report format shows it
    text: str


class Finding(Record):
    """One thing wrong with a model, derived from a metric row by the severity thresholds
    (``metrics.findings``) and stored with the rows (``store``), so every report format lists
    the same."""

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
    #: what the mitigation named in ``fix`` (fixing or only reducing it) costs on the run's
    #: utility rows; None when no mitigation helped, or in a store written before costs were kept
    fix_cost: FixCost | None = None
    #: distance from the reference in the bad direction (ranks findings of one severity)
    distance: float


class NotRun(Record):
    """A mitigation variant the runner did not scan a task under, because it cannot act on
    it: it trains nothing, and no member its wrappers change (``Wrapper.acts_on``) is one the
    task or its attacks call (``Task.model_members``), so every score would be the
    baseline's. Kept in the run header so reports and findings say so instead of showing
    rows of no change."""

    model: str
    task: str
    #: the variant's label, as rows name it (``pbm``, ``a+b``)
    mitigation: str
    #: the members the variant's wrappers change or add
    changes: tuple[str, ...]
    #: the members the task and its attacks call
    calls: tuple[str, ...]

    @property
    def why(self) -> str:
        """``pbm changes predict_groups; robustness.calibration calls classify``."""
        return f"{self.mitigation} changes {self._changes}; {self.task} calls {self._calls}"

    def line(self) -> str:
        """What a report says under the task: ``not run: pbm cannot act on this task (...)``."""
        return (
            f"not run: {self.mitigation} cannot act on this task "
            f"(it changes {self._changes}; the task calls {self._calls})"
        )

    def header_entry(self) -> dict[str, Any]:
        """How the run header keeps it (the record's fields and the ``why`` sentence)."""
        return {**self.model_dump(mode="json"), "why": self.why}

    @classmethod
    def from_header(cls, entry: dict[str, Any]) -> NotRun:
        return cls.model_validate({k: entry[k] for k in cls.model_fields})

    @property
    def _changes(self) -> str:
        return ", ".join(self.changes) or "nothing"

    @property
    def _calls(self) -> str:
        return ", ".join(self.calls) or "no model member"
