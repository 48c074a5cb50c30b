"""``vlmtrust run plan.toml [--dry-run]``: load the plan, run (or list) its scans, judge its
gates. The work is ``runner.plan``'s; this prints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from vlmtrust.cli import terminal


def execute_plan(plan_file: Path, dry_run: bool, quiet: bool) -> list[Any]:
    """Run (or, with ``dry_run``, list) the plan's scans; return the judged gates."""
    from vlmtrust.core.errors import ConfigError
    from vlmtrust.report.gates import evaluate, parse_gate
    from vlmtrust.runner.plan import load_plan, located, preview_plan, run_plan

    plan = load_plan(plan_file, show_progress=not quiet)
    with located(plan.where("fail_on")):
        gates = [parse_gate(text) for text in plan.settings.fail_on]
        for gate in gates:
            if gate.baseline_offset is not None:
                raise ConfigError(
                    f"gate {gate.text!r} compares with a baseline run, which a plan cannot name",
                    "gate against a baseline with `vlmtrust report OUT --baseline RUN --fail-on`",
                )
    if plan.settings.mlflow is not None and not dry_run:
        from vlmtrust.report.tracking import check_tracking

        with located(plan.where("mlflow")):
            check_tracking(plan.settings.mlflow)
    console = terminal.console(stderr=True, quiet=quiet)
    if dry_run:
        _print_preview(preview_plan(plan, console), plan.out)
        return []
    summaries = run_plan(plan, console)
    for summary in summaries:
        console.print(
            f"{escape(str(summary.out))}: reused {summary.reused} of {summary.planned} results, "
            f"ran {summary.executed} ({summary.model_calls} model calls)",
            highlight=False,
        )
    from vlmtrust.metrics.findings import rank
    from vlmtrust.report.console import top_findings

    console.print(top_findings(rank([f for s in summaries for f in s.findings])))
    console.print(f"report: vlmtrust report {escape(str(plan.out))} --out report.html")
    rows = [row for summary in summaries for row in summary.metrics]
    with located(plan.where("fail_on")):
        results = list(evaluate(gates, rows, plan.settings.gate_bound))
    if plan.settings.mlflow is not None:
        from vlmtrust.report.tracking import log_run

        for summary in summaries:
            uri, experiment = plan.settings.mlflow, plan.settings.mlflow_experiment
            run_id = log_run(summary.out, uri, experiment or "vlmtrust", results)
            console.print(f"{escape(str(summary.out))}: logged to MLflow run {run_id}")
    return results


def _print_preview(previews: list[Any], out: Path) -> None:
    """One row per model x task x mitigation: results to run and already stored."""
    table = Table(title=f"dry run of the plan into {out}: nothing run, nothing written")
    for column in ("run directory", "model", "task", "mitigation"):
        table.add_column(column)
    for column in ("to run", "stored"):
        table.add_column(column, justify="right")
    to_run = stored = 0
    for scan, rows in previews:
        for row in rows:
            cells = (str(scan.config.out), row.model, row.task, row.mitigation)
            table.add_row(*map(escape, cells), str(row.to_run), str(row.stored))
            to_run, stored = to_run + row.to_run, stored + row.stored
    console = terminal.console()
    console.print(table)
    console.print(f"{to_run} results to run, {stored} stored", highlight=False)
