"""CI gates: ``--fail-on "TASK[SELECTOR].METRIC OP THRESHOLD"`` judged on metric rows.

Grammar (spaces around the operator are allowed)::

    safety.jailbreak.asr>0.10
    fairness.retrieval_skew.maxskew@10>=0.2
    safety.jailbreak[attack=figstep,mitigation=guard].asr>0.1
    robustness.zero_shot[model=zoo:clip].accuracy<0.9

``TASK`` is ``pillar.name``; everything after the next dot is the metric (metric names may hold
dots, ``@`` and ``[group=...]``). ``OP`` is one of ``> >= < <=`` and says when the gate FAILS:
``asr>0.10`` fails when the attack success rate is above 0.10. The selector may name
``attack``, ``mitigation`` and ``model``; without it a gate reads the baseline rows
(``mitigation=none``) of every attack and model, and fails if ANY matching row violates it.
A gate that matches no row is a user error: a typo must not pass CI silently.

Which number is compared (``--gate-bound``): ``upper`` (the 95% interval's upper end),
``lower``, or ``point``. The default is the conservative bound, so a gate only passes when the
whole interval is on the safe side: the upper bound for ``>``/``>=`` gates, the lower bound for
``<``/``<=`` gates. A row without an interval is judged on its point value; a row without a
value (nothing could be scored) violates the gate, since nothing shows it is met.

Status of a gate: ``fail`` when violated on the chosen bound; ``warn`` when met on the chosen
bound but the 95% interval still crosses the threshold (only possible with a non-conservative
bound); ``pass`` otherwise.

Against a baseline run (``--baseline RUN_DIR``), the threshold may be ``baseline`` plus or minus
a margin: ``safety.jailbreak[attack=figstep].asr>baseline+0.02`` fails when the attack success
rate rose by more than 0.02 over the baseline run's. The change is judged with the paired test
on the samples both runs scored (``report/baseline.py``): the chosen bound of the paired
difference's 95% interval is compared with the margin, and the message names the test and its
p-value; where the runs share no scored samples, or a metric has no per-sample terms, the two
rows are compared unpaired (Newcombe's interval), and the message says so.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.pillars import pillar_of
from vlmtrust.core.records import MetricRow

if TYPE_CHECKING:
    from vlmtrust.report.baseline import Baseline

Bound = Literal["upper", "lower", "point", "conservative"]
Status = Literal["pass", "warn", "fail"]

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
# the comparison is the last run of operator characters: the left side ends before it (metric
# names may hold "=" inside [group=...]) and the threshold after it holds none
_COMPARISON = re.compile(
    r"^(?P<subject>.*[^<>=!\s])\s*(?P<op>[<>=!]+)\s*(?P<threshold>[^<>=!]*?)\s*$", re.DOTALL
)
_SUBJECT = re.compile(
    r"^\s*(?P<task>[A-Za-z_][\w-]*\.[A-Za-z_][\w-]*)"
    r"(?:\[(?P<selector>[^\]]*)\])?"
    r"(?:\.(?P<metric>.*))?$",
    re.DOTALL,
)
SELECTOR_KEYS = ("attack", "mitigation", "model")
GATE_HELP = 'TASK[attack=..,mitigation=..].METRIC OP THRESHOLD, e.g. "safety.jailbreak.asr>0.10"'


@dataclass(frozen=True)
class Gate:
    text: str
    task: str
    metric: str
    op: str
    threshold: float
    selector: tuple[tuple[str, str], ...] = ()
    #: a baseline gate: the threshold is the baseline run's value plus this margin
    baseline_offset: float | None = None

    def matches(self, row: MetricRow) -> bool:
        wanted = dict(self.selector)
        wanted.setdefault("mitigation", "none")
        return (
            row.task == self.task
            and row.metric == self.metric
            and all(getattr(row, key) == value for key, value in wanted.items())
        )

    def fails_when(self, value: float) -> bool:
        return _OPS[self.op](value, self.threshold)

    @property
    def conservative_bound(self) -> Literal["upper", "lower"]:
        return "upper" if self.op.startswith(">") else "lower"


@dataclass(frozen=True)
class RowVerdict:
    row: MetricRow
    compared: float | None
    bound: str
    violated: bool
    straddles: bool
    #: how a baseline gate compared (the paired test, or why unpaired)
    note: str = ""


@dataclass(frozen=True)
class GateResult:
    gate: Gate
    bound: str
    verdicts: tuple[RowVerdict, ...]

    @property
    def violated(self) -> bool:
        return any(v.violated for v in self.verdicts)

    @property
    def status(self) -> Status:
        if self.violated:
            return "fail"
        return "warn" if any(v.straddles for v in self.verdicts) else "pass"

    @property
    def pillar(self) -> str:
        return pillar_of(self.gate.task)

    def message(self) -> str:
        """One line per gate for the console, JUnit and the HTML."""
        worst = [v for v in self.verdicts if v.violated] or list(self.verdicts)
        parts = []
        for v in worst[:3]:
            shown = "no value" if v.compared is None else f"{v.compared:.4g}"
            note = f" ({v.note})" if v.note else ""
            parts.append(
                f"{v.row.model} {v.row.attack}/{v.row.mitigation}: {v.bound} {shown}{note}"
            )
        more = f" (+{len(worst) - 3} more)" if len(worst) > 3 else ""
        bad = sum(1 for v in self.verdicts if v.violated)
        verdict = f"violated on {bad} of" if bad else "met on"
        return f"{self.gate.text}: {verdict} {len(self.verdicts)} row(s); {'; '.join(parts)}{more}"


def parse_gate(text: str) -> Gate:
    """Read one ``--fail-on`` text; anything malformed is a one-line ConfigError naming the part
    that is wrong (a gate that cannot be read must never pass CI)."""
    comparison = _COMPARISON.match(text)
    if comparison is None:
        raise ConfigError(f"gate {text!r} has no comparison", f"write it as {GATE_HELP}")
    op = comparison["op"]
    if op not in _OPS:
        raise ConfigError(
            f"gate {text!r} has an unknown operator {op!r}",
            "use one of > >= < <= (the gate fails when the comparison holds)",
        )
    threshold, offset = _threshold_or_baseline(text, comparison["threshold"])
    subject = _SUBJECT.match(comparison["subject"])
    if subject is None:
        raise ConfigError(f"cannot read gate {text!r}", f"write it as {GATE_HELP}")
    metric = (subject["metric"] or "").strip()
    if not metric:
        raise ConfigError(f"gate {text!r} names no metric", f"write it as {GATE_HELP}")
    return Gate(
        text=text.strip(),
        task=subject["task"],
        metric=metric,
        op=op,
        threshold=threshold,
        selector=_selector(text, subject["selector"] or ""),
        baseline_offset=offset,
    )


_BASELINE = re.compile(r"^baseline\s*(?:(?P<sign>[+-])\s*(?P<margin>.+))?$")


def _threshold_or_baseline(text: str, raw: str) -> tuple[float, float | None]:
    """(threshold, None) for a number; (margin, margin) for ``baseline [+-] margin``."""
    found = _BASELINE.match(raw.strip())
    if found is None:
        return _threshold(text, raw), None
    margin = _threshold(text, found["margin"]) if found["margin"] else 0.0
    offset = -margin if found["sign"] == "-" else margin
    return offset, offset


def _threshold(text: str, raw: str) -> float:
    if not raw:
        raise ConfigError(f"gate {text!r} has no threshold", f"write it as {GATE_HELP}")
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(
            f"gate {text!r} has a threshold {raw!r} that is not a number", "write e.g. 0.1 or 1e-3"
        ) from None
    if not math.isfinite(value):
        raise ConfigError(
            f"gate {text!r} has a threshold {raw!r} that is not finite",
            "compare with a finite number, e.g. 0.1",
        )
    return value


def _selector(text: str, raw: str) -> tuple[tuple[str, str], ...]:
    selector: list[tuple[str, str]] = []
    for part in filter(None, (p.strip() for p in raw.split(","))):
        key, sep, value = part.partition("=")
        if not sep or key.strip() not in SELECTOR_KEYS or not value.strip():
            raise ConfigError(
                f"gate {text!r} has a bad selector {part!r}",
                f"use key=value with keys {', '.join(SELECTOR_KEYS)}",
            )
        selector.append((key.strip(), value.strip()))
    return tuple(selector)


def evaluate(
    gates: Sequence[Gate],
    rows: Sequence[MetricRow],
    bound: Bound = "conservative",
    baseline: Baseline | None = None,
) -> list[GateResult]:
    """Judge every gate; a gate matching no row raises ConfigError (exit 2), and so does a
    baseline gate without a baseline run."""
    results: list[GateResult] = []
    for gate in gates:
        if gate.baseline_offset is not None:
            if baseline is None:
                raise ConfigError(
                    f"gate {gate.text!r} compares with a baseline run, and none was given",
                    "pass --baseline RUN_DIR (a directory written by vlmtrust scan)",
                )
            results.append(baseline.evaluate(gate, _matched(gate, rows), bound))
            continue
        matched = _matched(gate, rows)
        chosen = gate.conservative_bound if bound == "conservative" else bound
        results.append(GateResult(gate, chosen, tuple(_verdict(gate, r, chosen) for r in matched)))
    return results


def _matched(gate: Gate, rows: Sequence[MetricRow]) -> list[MetricRow]:
    matched = [r for r in rows if gate.matches(r)]
    if not matched:
        raise ConfigError(
            f"gate {gate.text!r} matches no metric row "
            f"(task {gate.task}, metric {gate.metric}, {_selector_text(gate)})",
            "check the task and metric names in the report (vlmtrust report RUN --format md)",
        )
    return matched


def _verdict(gate: Gate, row: MetricRow, bound: str) -> RowVerdict:
    if row.value is None:
        return RowVerdict(row, None, bound, violated=True, straddles=False)
    picked = {"upper": row.ci_high, "lower": row.ci_low, "point": row.value}[bound]
    used = bound if picked is not None else "point"
    compared = picked if picked is not None else row.value
    violated = gate.fails_when(compared)
    ends = [x for x in (row.ci_low, row.ci_high) if x is not None]
    straddles = not violated and any(gate.fails_when(x) for x in ends)
    return RowVerdict(row, compared, used, violated, straddles)


def _selector_text(gate: Gate) -> str:
    wanted = dict(gate.selector)
    wanted.setdefault("mitigation", "none")
    return ", ".join(f"{k}={v}" for k, v in wanted.items())
