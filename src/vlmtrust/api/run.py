"""A run directory as an object: its metric rows as a DataFrame, what the CLI prints at the end
of a scan as data (``summary``), and its reports. Everything is read from the run's store, as
``vlmtrust report`` reads it, so the API and the reports cannot disagree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict

from vlmtrust.api.scan import GateBoundName
from vlmtrust.core.errors import ConfigError
from vlmtrust.core.records import Finding, MetricRow

if TYPE_CHECKING:
    import pandas as pd

    from vlmtrust.report.gates import GateResult
    from vlmtrust.runner.run import RunSummary

#: the stable row's fields, in order: the columns of ``Run.rows``
ROW_COLUMNS = tuple(MetricRow.model_fields)
_FLOAT_COLUMNS = ("value", "ci_low", "ci_high")


class GateOutcome(BaseModel):
    """One ``fail_on`` gate as the CLI prints it: ``status`` is pass, warn (an interval
    straddles the threshold) or fail."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    gate: str
    status: Literal["pass", "warn", "fail"]
    violated: bool
    message: str


class Summary(BaseModel):
    """What ``vlmtrust scan`` prints at its end, as data. The counts are those of the latest
    complete scan into the directory (None where the store holds none)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    run_id: str | None = None
    planned: int | None = None
    reused: int | None = None
    executed: int | None = None
    model_calls: int | None = None
    #: one line per pillar: its worst finding, "no finding", or "not scanned"
    verdicts: tuple[str, ...] = ()
    #: every finding, worst first
    findings: tuple[Finding, ...] = ()
    gates: tuple[GateOutcome, ...] = ()

    @property
    def passed(self) -> bool:
        """No gate violated (True without gates), as the CLI's exit code 0 or 1 says."""
        return not any(gate.violated for gate in self.gates)


@dataclass(frozen=True, eq=False)
class Run:
    """A scanned run directory: ``dir``, ``rows`` (DataFrame), ``summary``, ``report()``."""

    #: absolute, so the run stays readable after a change of working directory
    dir: Path
    #: the metric rows as records (``rows`` is the same as a DataFrame)
    metric_rows: tuple[MetricRow, ...] = field(repr=False)
    #: the run header the reports print: package version, model fingerprint, specs, seed
    header: dict[str, Any] = field(repr=False)
    summary: Summary = field(repr=False)

    @property
    def rows(self) -> pd.DataFrame:
        """One row per metric: ``task, attack, mitigation, metric, value, ci_low, ci_high, n,
        model, details`` (a missing value or interval is NaN)."""
        import pandas as pd

        frame = pd.DataFrame(
            [row.model_dump(mode="json") for row in self.metric_rows], columns=list(ROW_COLUMNS)
        )
        return frame.astype({column: float for column in _FLOAT_COLUMNS})

    def report(
        self,
        path: str | PathLike[str],
        format: str | None = None,
        *,
        fail_on: Sequence[str] = (),
        gate_bound: GateBoundName = "conservative",
        baseline: str | PathLike[str] | None = None,
        severity: str | PathLike[str] | None = None,
    ) -> Path:
        """Write this run's report as ``vlmtrust report`` does: html, json, md or junit, from
        ``format`` or else the suffix of ``path`` (Markdown when neither says). Returns the
        path; the file is replaced whole or not at all."""
        from vlmtrust.core.outputs import check_output_file
        from vlmtrust.report.build import build_report
        from vlmtrust.report.formats import ReportFormat, infer_format
        from vlmtrust.report.write import write_atomically

        bounds = ", ".join(get_args(GateBoundName))
        if gate_bound not in get_args(GateBoundName):
            raise ConfigError(f"unknown gate_bound {gate_bound!r}", f"pass one of {bounds}")
        out = Path(path)
        try:
            chosen = None if format is None else ReportFormat(format)
        except ValueError:
            names = ", ".join(f.value for f in ReportFormat)
            raise ConfigError(f"unknown report format {format!r}", f"pass one of {names}") from None
        check_output_file(out, option="report path")
        text, _ = build_report(
            [self.dir],
            infer_format(chosen, out),
            tuple([fail_on] if isinstance(fail_on, str) else fail_on),
            gate_bound,
            None if baseline is None else Path(baseline),
            None if severity is None else Path(severity),
        )
        write_atomically(out, text)
        return out


def load_run(path: str | PathLike[str]) -> Run:
    """The run stored in a directory a scan wrote (read-only; a directory without a store is
    one StoreError line)."""
    return _from_store(Path(path).absolute())


def from_scan(summary: RunSummary, gates: Sequence[GateResult]) -> Run:
    """The run a scan just finished, with its counts and judged gates."""
    run = _from_store(summary.out.absolute())
    counts = {
        "run_id": summary.run_id,
        "planned": summary.planned,
        "reused": summary.reused,
        "executed": summary.executed,
        "model_calls": summary.model_calls,
        "gates": tuple(_outcome(result) for result in gates),
    }
    return Run(run.dir, run.metric_rows, run.header, run.summary.model_copy(update=counts))


def _from_store(run_dir: Path) -> Run:
    from vlmtrust.report.findings import all_findings, tasks_by_pillar, verdicts
    from vlmtrust.report.rows import load_runs
    from vlmtrust.store import ResultStore

    loaded = load_runs([run_dir])[0]
    with ResultStore.open_existing(run_dir) as store:
        complete = [entry for entry in store.runs() if entry["status"] == "complete"]
    latest = complete[-1] if complete else {}
    counts = latest.get("summary", {})
    summary = Summary(
        run_id=latest.get("run_id"),
        planned=counts.get("planned"),
        reused=counts.get("reused"),
        executed=counts.get("executed"),
        model_calls=counts.get("model_calls"),
        verdicts=tuple(verdicts(all_findings([loaded]), tasks_by_pillar([loaded]))),
        findings=tuple(loaded.findings),
    )
    return Run(run_dir, tuple(loaded.rows), loaded.header, summary)


def _outcome(result: GateResult) -> GateOutcome:
    return GateOutcome(
        gate=result.gate.text,
        status=result.status,
        violated=result.violated,
        message=result.message(),
    )
