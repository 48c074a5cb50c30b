"""What a report opens with: a verdict per pillar (its worst finding's severity, in one line)
and every finding ranked worst first, each linking to its rows and gallery. The findings are the
ones the scan stored (``metrics.findings``), so HTML, Markdown and JSON list the same."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from vlmtrust.core.pillars import PILLARS
from vlmtrust.metrics.findings import rank
from vlmtrust.report.rows import RunRows
from vlmtrust.store import SEVERITIES, Finding


def all_findings(runs: Sequence[RunRows]) -> list[Finding]:
    """Every run's findings in one ranking, worst first."""
    return rank([f for run in runs for f in run.findings])


def verdicts(findings: Sequence[Finding], tasks_by_pillar: dict[str, list[str]]) -> list[str]:
    """One line per pillar: its worst severity and finding, or that it had none."""
    lines = []
    for pillar in [*PILLARS, *(p for p in tasks_by_pillar if p not in PILLARS)]:
        tasks = tasks_by_pillar.get(pillar, [])
        mine = [f for f in findings if f.pillar == pillar]
        if not tasks:
            lines.append(f"{pillar}: not scanned")
        elif not mine:
            lines.append(f"{pillar}: no finding in {len(tasks)} task(s)")
        else:
            worst = min(mine, key=lambda f: SEVERITIES.index(f.severity))
            lines.append(
                f"{pillar}: {worst.severity}, {len(mine)} finding(s); worst: {worst.statement}"
            )
    return lines


def findings_html(findings: Sequence[Finding], tasks_by_pillar: dict[str, list[str]]) -> str:
    """The section right after the title: verdicts, then the ranked list."""
    out = ['<section id="findings"><h2>Findings</h2><ul class="verdicts">']
    for line in verdicts(findings, tasks_by_pillar):
        pillar, _, rest = line.partition(": ")
        level = rest.split(",", 1)[0] if rest.split(",", 1)[0] in SEVERITIES else "none"
        out.append(
            f'<li class="verdict {escape(level)}"><b><a href="#pillar-{escape(pillar)}">'
            f"{escape(pillar)}</a></b>: {escape(rest)}</li>"
        )
    out.append("</ul>")
    if not findings:
        out.append("<p>No row reaches a severity threshold.</p></section>")
        return "".join(out)
    out.append('<ol class="findings">')
    for f in findings:
        rows_link, gallery_link = f.anchors
        out.append(
            f'<li class="finding {escape(f.severity)}">'
            f'<span class="badge sev-{escape(f.severity)}">{escape(f.severity)}</span> '
            f"{escape(f.statement)} "
            f'<span class="muted">{escape(f.model)}</span>'
            f"<div>fix: {escape(f.fix)}</div>"
            f'<div class="muted">evidence: <a href="{escape(rows_link)}">rows</a> · '
            f'<a href="{escape(gallery_link)}">gallery</a> · '
            f"{escape('; '.join(f.evidence))}</div></li>"
        )
    out.append("</ol></section>")
    return "".join(out)


def findings_markdown(
    findings: Sequence[Finding], tasks_by_pillar: dict[str, list[str]]
) -> list[str]:
    """The same section in Markdown: verdict lines, then a numbered list."""
    lines = ["## Findings", ""]
    lines += [
        f"- **{line.partition(': ')[0]}**: {line.partition(': ')[2]}"
        for line in verdicts(findings, tasks_by_pillar)
    ]
    lines.append("")
    if not findings:
        return [*lines, "No row reaches a severity threshold.", ""]
    for i, f in enumerate(findings, 1):
        lines += [
            f"{i}. **{f.severity}** {f.statement} ({f.model})",
            f"   - fix: {f.fix}",
            f"   - evidence: {'; '.join(f'`{e}`' for e in f.evidence)}",
        ]
    lines.append("")
    return lines


def tasks_by_pillar(runs: Sequence[RunRows]) -> dict[str, list[str]]:
    """The tasks each pillar ran, in row order (every pillar present, empty when not run)."""
    found: dict[str, list[str]] = {p: [] for p in PILLARS}
    for run in runs:
        for row in run.rows:
            names = found.setdefault(row.task.split(".", 1)[0], [])
            if row.task not in names:
                names.append(row.task)
    return found
