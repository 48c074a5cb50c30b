"""What a report opens with: a verdict per pillar (its worst finding's severity, in one line)
and every finding ranked worst first, each linking to its rows and gallery. The findings are the
ones the scan stored (``metrics.findings``), so HTML, Markdown and JSON list the same."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from vlmtrust.core.pillars import PILLARS
from vlmtrust.metrics.findings import rank
from vlmtrust.report.glossary import used
from vlmtrust.report.markup import explain_names
from vlmtrust.report.rows import RunRows
from vlmtrust.store import SEVERITIES, Finding

#: what a fix's cost is (``metrics.utility``), said once above the list
COST_NOTE = (
    "fix: the mitigation in this run that lowered the severity, with its paired effect; "
    "cost: its worst change on this model's utility rows (a capability on clean inputs, or "
    "refusals of benign requests)."
)


def all_findings(runs: Sequence[RunRows]) -> list[Finding]:
    """Every run's findings in one ranking, worst first."""
    return rank([f for run in runs for f in run.findings])


def fix_text(finding: Finding) -> str:
    """The fix as every format shows it: the best mitigation, its paired effect and its cost."""
    if finding.fix_cost is None:
        return finding.fix
    return f"{finding.fix}; cost: {finding.fix_cost.text}"


def metrics_named(finding: Finding) -> set[str]:
    """The metrics a finding's sentences name: its own, its evidence rows' and its cost row's
    (row keys are ``task/attack/mitigation/metric/model``)."""
    keys = [*finding.evidence, *([finding.fix_cost.row] if finding.fix_cost else [])]
    return {finding.metric, *(k.split("/", 4)[3] for k in keys if k and k.count("/") >= 4)}


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
    named = {name for f in findings for name in metrics_named(f)}
    for line in verdicts(findings, tasks_by_pillar):
        pillar, _, rest = line.partition(": ")
        level = rest.split(",", 1)[0] if rest.split(",", 1)[0] in SEVERITIES else "none"
        out.append(
            f'<li class="verdict {escape(level)}"><b><a href="#pillar-{escape(pillar)}">'
            f"{escape(pillar)}</a></b>: {explain_names(rest, named)}</li>"
        )
    out.append("</ul>")
    if not findings:
        out.append("<p>No row reaches a severity threshold.</p></section>")
        return "".join(out)
    out.append(f'<p class="muted">{escape(COST_NOTE)}</p><ol class="findings">')
    for f in findings:
        rows_link, gallery_link = f.anchors
        names = metrics_named(f)
        out.append(
            f'<li class="finding {escape(f.severity)}">'
            f'<span class="badge sev-{escape(f.severity)}">{escape(f.severity)}</span> '
            f"{explain_names(f.statement, names)} "
            f'<span class="muted">{escape(f.model)}</span>'
            f"<div>fix: {explain_names(fix_text(f), names)}</div>"
            f'<div class="muted">evidence: <a href="{escape(rows_link)}">rows</a> · '
            f'<a href="{escape(gallery_link)}">gallery</a> · '
            f"{explain_names('; '.join(f.evidence), names)}</div></li>"
        )
    out.append("</ol></section>")
    return "".join(out)


def findings_markdown(
    findings: Sequence[Finding], tasks_by_pillar: dict[str, list[str]]
) -> list[str]:
    """The same section in Markdown: verdict lines, a numbered list, then what each metric
    the findings name means (Markdown has no tooltips)."""
    lines = ["## Findings", ""]
    lines += [
        f"- **{line.partition(': ')[0]}**: {line.partition(': ')[2]}"
        for line in verdicts(findings, tasks_by_pillar)
    ]
    lines.append("")
    if not findings:
        return [*lines, "No row reaches a severity threshold.", ""]
    lines += [COST_NOTE, ""]
    for i, f in enumerate(findings, 1):
        lines += [
            f"{i}. **{f.severity}** {f.statement} ({f.model})",
            f"   - fix: {fix_text(f)}",
            f"   - evidence: {'; '.join(f'`{e}`' for e in f.evidence)}",
        ]
    lines += ["", "Metrics named above:", ""]
    lines += [
        f"- `{e.name}`: {e.line()}" for e in used({m for f in findings for m in metrics_named(f)})
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
