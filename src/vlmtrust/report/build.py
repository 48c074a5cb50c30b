"""One entry point for ``vlmtrust report`` (and the demo): load runs, judge gates, render."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from vlmtrust.metrics.severity import load_rules
from vlmtrust.report.formats import SUFFIX_FORMAT, ReportFormat, infer_format
from vlmtrust.report.gates import Bound, GateResult, evaluate, parse_gate
from vlmtrust.report.rows import expand_plan_dirs, load_runs

__all__ = ["SUFFIX_FORMAT", "ReportFormat", "build_report", "infer_format"]


def build_report(
    run_dirs: Sequence[Path],
    fmt: ReportFormat,
    gate_texts: Sequence[str] = (),
    bound: Bound = "conservative",
    baseline: Path | None = None,
    severity: Path | None = None,
    report_url: str | None = None,
) -> tuple[str, list[GateResult]]:
    """The report text and the judged gates (``baseline``: a run the gates may compare with,
    and the GitHub summary lists regressions against; ``severity``: thresholds that re-derive
    the findings; ``report_url``: where the GitHub summary links the full report). Bad gates or
    a bad severity file raise before anything is rendered."""
    gates = [parse_gate(text) for text in gate_texts]
    run_dirs = expand_plan_dirs(list(run_dirs))
    rules = None if severity is None else load_rules(severity)
    runs = load_runs(list(run_dirs), with_evidence=fmt is ReportFormat.html, rules=rules)
    against = None
    if baseline is not None:
        from vlmtrust.report.baseline import Baseline

        against = Baseline.load(baseline, list(run_dirs))
    results = evaluate(gates, [row for run in runs for row in run.rows], bound, against)
    if fmt is ReportFormat.html:
        from vlmtrust.report.html import render_html

        return render_html(runs, results), results
    if fmt is ReportFormat.github:
        from vlmtrust.report.github import to_github

        if baseline is None:
            return to_github(runs, results, None, report_url), results
        # loaded together so every side keeps the per-sample terms the pairing needs
        before, *current = load_runs([baseline, *run_dirs], rules=rules)
        return to_github(current, results, before, report_url), results
    if fmt is ReportFormat.junit:
        from vlmtrust.report.junit import to_junit

        return to_junit(results), results
    from vlmtrust.report.text import to_json, to_markdown

    text = to_json(runs, results) if fmt is ReportFormat.json else to_markdown(runs, results)
    return text, results
