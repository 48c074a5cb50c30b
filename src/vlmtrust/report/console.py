"""The metric table and the top findings printed at the end of a scan."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from vlmtrust.core.records import MetricRow
from vlmtrust.report.findings import fix_text
from vlmtrust.store import Finding


def metric_table(rows: Sequence[MetricRow]) -> Table:
    table = Table(title="results", show_lines=False)
    for column in ("task", "mitigation", "attack", "metric"):
        table.add_column(column)
    for column in ("value", "95% CI", "n"):
        table.add_column(column, justify="right")
    for row in rows:
        ci = "-" if row.ci_low is None else f"[{row.ci_low:.3f}, {row.ci_high:.3f}]"
        value = "n/a" if row.value is None else f"{row.value:.3f}"
        table.add_row(row.task, row.mitigation, row.attack, row.metric, value, ci, str(row.n))
    return table


#: how many findings the console shows after a scan (the report lists them all)
TOP_FINDINGS = 5


def top_findings(findings: Sequence[Finding], top: int = TOP_FINDINGS) -> Text:
    """The worst findings as lines a reader can act on, or that there are none."""
    if not findings:
        return Text("findings: none (no row reaches a severity threshold)")
    out = Text(f"findings (top {min(top, len(findings))} of {len(findings)}, worst first):\n")
    for finding in findings[:top]:
        out.append(f"  [{finding.severity}] ", style=_STYLE.get(finding.severity, ""))
        out.append(f"{finding.statement} ({finding.model})\n")
        out.append(f"      fix: {fix_text(finding)}\n", style="dim")
    out.rstrip()
    return out


_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan"}
