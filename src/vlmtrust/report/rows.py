"""Load what a report shows: per run directory, the run header, its metric rows, and the
provenance, unscorable counts and gallery examples the HTML report adds; with several runs,
each row's per-sample terms, which the comparison pairs by sample id."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vlmtrust.core.records import MetricRow, NotRun
from vlmtrust.metrics.findings import derive_findings
from vlmtrust.metrics.paired import PairedTerms
from vlmtrust.metrics.severity import Rule, default_rules
from vlmtrust.report.terms import TermsKey, load_terms
from vlmtrust.store import Finding, ResultStore, StoredExample, UnscorableCount
from vlmtrust.store.sqlite import STORE_FILE


@dataclass(frozen=True)
class RunRows:
    run_dir: Path
    header: dict[str, Any]
    rows: list[MetricRow]
    history: list[dict[str, Any]] = field(default_factory=list)
    unscorable: list[UnscorableCount] = field(default_factory=list)
    result_counts: dict[str, int] = field(default_factory=dict)
    examples: list[StoredExample] = field(default_factory=list)
    #: per-sample terms by row key; loaded only when several runs are compared
    terms: dict[TermsKey, PairedTerms] = field(default_factory=dict)
    #: what the scan found, worst first (as stored, or re-derived under --severity)
    findings: list[Finding] = field(default_factory=list)

    @property
    def model_name(self) -> str:
        return str(self.header.get("model", {}).get("name", "?"))

    @property
    def data_line(self) -> str:
        """The data set the numbers rest on: its source, rows and fingerprint (a short copy
        says so), or the world generator."""
        entry = self.header.get("data_source")
        if not isinstance(entry, dict):
            return str(self.header.get("data") or "world generator")
        fingerprint = str(entry.get("fingerprint") or "?")[:12]
        line = f"{entry.get('name', '?')}, {entry.get('size', '?')} rows, fingerprint {fingerprint}"
        warnings = entry.get("warnings") or []
        return line + (f" ({len(warnings)} count warning(s): a short copy)" if warnings else "")

    @property
    def not_run(self) -> list[NotRun]:
        """The (task, mitigation) pairs the run left out: the mitigation cannot act there."""
        return not_run_in(self.header)


def not_run_in(header: dict[str, Any]) -> list[NotRun]:
    """A run header's ``not_run`` entries (none in a header older than them)."""
    return [NotRun.from_header(entry) for entry in header.get("not_run", [])]


def expand_plan_dirs(run_dirs: list[Path]) -> list[Path]:
    """A directory without a store whose subdirectories hold stores (a scan plan's ``out``:
    one run directory per model) stands for those run directories, in name order."""
    expanded: list[Path] = []
    for run_dir in run_dirs:
        runs = [] if (run_dir / STORE_FILE).exists() or not run_dir.is_dir() else _runs_in(run_dir)
        expanded += runs or [run_dir]
    return expanded


def _runs_in(folder: Path) -> list[Path]:
    return sorted(child for child in folder.iterdir() if (child / STORE_FILE).is_file())


def load_runs(
    run_dirs: list[Path], with_evidence: bool = False, rules: tuple[Rule, ...] | None = None
) -> list[RunRows]:
    """Read each store; ``with_evidence`` adds what only the HTML report shows, and several
    runs add their terms (one run has nothing to pair with). Findings are the stored ones,
    re-derived from the rows under ``rules`` when given (``--severity``) or when the store is
    older than findings."""
    runs: list[RunRows] = []
    for run_dir in run_dirs:
        terms = load_terms([run_dir]) if len(run_dirs) > 1 else {}
        with ResultStore.open_existing(run_dir) as store:
            header, rows = store.latest_header() or {}, store.metrics()
            findings = None if rules is not None else store.findings()
            if findings is None:
                findings = derive_findings(rows, rules or default_rules(), not_run_in(header))
            if not with_evidence:
                runs.append(RunRows(run_dir, header, rows, terms=terms, findings=findings))
                continue
            runs.append(
                RunRows(
                    run_dir,
                    header,
                    rows,
                    history=store.runs(),
                    unscorable=store.unscorable_counts(),
                    result_counts=store.result_counts(),
                    examples=store.examples(),
                    terms=terms,
                    findings=findings,
                )
            )
    return runs
