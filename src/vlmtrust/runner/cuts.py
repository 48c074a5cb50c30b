"""Say what a budget cut: a task that shortened its search to fit its time budget (issue 27)
records ``details["cut"]["summary"]`` in its rows; the runner prints it once per task, so a
user sees a reduced scan without opening the report."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.markup import escape

from vlmtrust.core.records import MetricRow


def report_cuts(rows: Iterable[MetricRow], console: Console) -> list[str]:
    """Print (and return) one line per (task, mitigation) whose rows record a cut."""
    lines: dict[tuple[str, str], str] = {}
    for row in rows:
        cut = row.details.get("cut")
        if isinstance(cut, dict) and "summary" in cut:
            lines.setdefault((row.task, row.mitigation), f"{row.task}: {cut['summary']}")
    for (_, mitigation), line in lines.items():
        where = "" if mitigation == "none" else f" [{mitigation}]"
        console.print(f"[yellow]budget[/] {escape(line)}{escape(where)}", highlight=False)
    return list(lines.values())
