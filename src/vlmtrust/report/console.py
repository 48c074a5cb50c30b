"""The metric table printed at the end of a scan."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from vlmtrust.core.records import MetricRow


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
